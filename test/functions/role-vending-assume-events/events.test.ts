import { expect } from "chai";
import { assumeRoleEvent, handleAssumeRoleEvent } from "../../../functions/role-vending-assume-events/events";
import { requestGrant } from "../../../functions/role-vending-api/core";
import { METRICS } from "../../../functions/shared/contracts/role-vending-api";
import { ALICE, iamStandIn, startDynalite, vendorDeps, type Dynalite } from "../role-vending/support";

const caller = { arn: ALICE, identityArn: ALICE, trustPrincipal: ALICE, sourceIdentity: "alice" };

describe("role-vending-assume-events: CloudTrail AssumeRole events of vended roles", () => {
  let dynamo: Dynalite;
  before(async () => {
    dynamo = await startDynalite();
  });
  after(async () => dynamo.stop());

  it("counts and audits failed assumptions, and alarms on every break-glass use", async () => {
    const iam = iamStandIn();
    try {
      const v = vendorDeps(await dynamo.store(), iam.client);
      const grant = await requestGrant(v.deps, caller, { projectId: "payments", tier: "break-glass", durationMinutes: 60, reason: "production is down, paging" });
      const base = { "detail-type": "AWS API Call via CloudTrail", detail: { eventSource: "sts.amazonaws.com", eventName: "AssumeRole", userIdentity: { arn: ALICE }, sourceIPAddress: "198.51.100.7" } };
      const failed = assumeRoleEvent.parse({ ...base, detail: { ...base.detail, errorCode: "AccessDenied", requestParameters: { roleArn: grant.roleArn } } });
      expect(await handleAssumeRoleEvent(v.deps, failed)).to.equal("failed");
      const used = assumeRoleEvent.parse({ ...base, detail: { ...base.detail, requestParameters: { roleArn: grant.roleArn, durationSeconds: 3600, sourceIdentity: "alice" } } });
      expect(await handleAssumeRoleEvent(v.deps, used)).to.equal("assumed");
      const other = assumeRoleEvent.parse({ ...base, detail: { ...base.detail, requestParameters: { roleArn: "arn:aws:iam::111111111111:role/unrelated" } } });
      expect(await handleAssumeRoleEvent(v.deps, other)).to.equal("ignored");
      const names = v.metrics.recorded.map((m) => m.name);
      expect(names).to.include.members([METRICS.failedAssumptions, METRICS.breakGlassUses, METRICS.sessionSeconds]);
      expect((await v.deps.store.auditTrail(grant.id)).map((a) => a.action)).to.include.members(["assume-failed", "assumed"]);
    } finally {
      iam.mock.restore();
    }
  });
});
