import { expect } from "chai";
import { loadConfig } from "../../../stacks/config";
import { SETTINGS } from "../../../stacks/settings";

function withRoleVending(change: (rv: Record<string, any>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(SETTINGS));
  change(copy.dev.roleVending);
  return copy;
}

describe("configuration: roleVending", () => {
  it("ships cleanup every 5 minutes, admin needing one approval and break-glass none", () => {
    const rv = loadConfig({ environment: "prod" }).roleVending;
    expect(rv.cleanupSchedule).to.equal("rate(5 minutes)");
    expect(rv.tiers.admin.approvals).to.equal(1);
    expect(rv.tiers["break-glass"].approvals).to.equal(0);
    expect(rv.allowedCidrs.length).to.be.greaterThan(0);
  });

  const cases: [string, (rv: Record<string, any>) => void, RegExp][] = [
    ["break-glass waiting for approvals", (rv) => (rv.tiers["break-glass"].approvals = 1), /roleVending\.tiers\.break-glass\.approvals: .*break-glass must need 0 approvals/],
    ["a bad CIDR", (rv) => (rv.allowedCidrs = ["10.0.0.0/40"]), /roleVending\.allowedCidrs\.0: .*CIDR/],
    ["an approver that is not an IAM ARN", (rv) => (rv.approvers = ["bob"]), /roleVending\.approvers\.0: .*IAM user or role ARNs/],
    ["a bad project id", (rv) => (rv.projects = ["Bad Project"]), /roleVending\.projects\.0/],
    ["a missing tier", (rv) => delete rv.tiers.developer, /roleVending\.tiers\.developer/],
    ["approvals with nobody to approve", (rv) => (delete rv.approverGroup, (rv.approvers = [])), /roleVending\.approvers: .*neither approvers nor approverGroup/],
  ];
  for (const [what, change, message] of cases) {
    it(`names the key for ${what}`, () => {
      expect(() => loadConfig({ environment: "dev", settings: withRoleVending(change) })).to.throw(message);
    });
  }
});
