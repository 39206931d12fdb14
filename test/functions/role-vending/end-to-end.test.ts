/**
 * End to end: the CLI requests an admin grant, an approver approves it with the CLI, the real API
 * function creates the role (IAM/STS mocked, DynamoDB on dynalite), the CLI assumes it (the STS
 * stand-in evaluates the trust policy) and prints credentials, the grant is revoked, and the real
 * cleanup function leaves nothing behind.
 */
import { expect } from "chai";
import { PublishCommand } from "@aws-sdk/client-sns";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { GrantStore } from "../../../functions/shared/role-vending/grant-store";
import { cliAs } from "./cli-harness";
import { startRealVending, TABLE, type RealVending } from "./real-api";
import { PREFIX } from "./support";

describe("role vending end to end: request → approve → role → assume → revoke → cleanup", () => {
  let v: RealVending;
  before(async () => {
    v = await startRealVending();
  });
  after(async () => v.close());

  it("vends, serves and removes an admin grant", async () => {
    const alice = cliAs("alice", v.api.url);
    const bob = cliAs("bob", v.api.url);

    const requested = await alice("request-role", "--project-id", "payments", "--permission-tier", "admin", "--duration", "2h", "--reason", "rotate the payments database credentials", "--output-format", "json");
    expect(requested.code, requested.stderr).to.equal(0);
    const pending = JSON.parse(requested.stdout).grant;
    expect(pending.status).to.equal("PENDING_APPROVAL");
    expect(requested.stderr).to.match(/waits for approval/);
    const published = v.sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Message ?? "");
    expect(published.some((m) => m.includes(`iam-role-vendor approve ${pending.id}`))).to.equal(true);

    expect((await alice("approve", pending.id)).code).to.equal(3);
    const approved = await bob("approve", pending.id, "--reason", "change ticket CHG-7");
    expect(approved.code, approved.stderr).to.equal(0);
    expect(approved.stdout).to.match(/ACTIVE/).and.match(/Approver arn:aws:iam::111111111111:user\/bob/);
    const role = v.iam.roles.get(`${PREFIX}-${pending.id}`)!;
    expect(role.boundary).to.match(/boundary-admin$/);

    const creds = await alice("credential-process", "--grant-id", pending.id);
    expect(creds.code, creds.stderr).to.equal(0);
    const printed = JSON.parse(creds.stdout);
    expect(printed).to.include({ Version: 1, SessionToken: "vended-token" });
    const assume = v.sts.commandCalls(AssumeRoleCommand).at(-1)!.args[0].input;
    expect(assume).to.include({ RoleArn: role.arn, SourceIdentity: "alice" });
    expect(assume.DurationSeconds).to.be.within(7100, 7200); // what the 2-hour grant has left

    // bob cannot assume alice's role even with his own MFA session: the trust policy names alice.
    const stolen = await bob("--wait-seconds", "0", "credential-process", "--grant-id", pending.id);
    expect(stolen.code).to.equal(1);
    expect(stolen.stderr).to.match(/not assumable|not authorized/);

    const revoked = await alice("revoke-session", pending.id);
    expect(revoked.code, revoked.stderr).to.equal(0);
    expect(revoked.stdout).to.match(/REVOKED/);
    expect(v.iam.mock.commandCalls(PutRolePolicyCommand).some((c) => c.args[0].input.RoleName === role.name && c.args[0].input.PolicyName === "AWSRevokeOlderSessions")).to.equal(true);
    expect(v.iam.roles.has(role.name)).to.equal(false);

    const result = (await v.runCleanup()) as { errors: number; orphansDeleted: number };
    expect(result.errors).to.equal(0);
    expect([...v.iam.roles.keys()].filter((n) => n.includes(pending.id))).to.deep.equal([]);
    const trail = await new GrantStore(v.dynamo.client, TABLE).auditTrail(pending.id);
    expect(trail.map((a) => a.action)).to.have.members(["requested", "approved", "granted", "revoked"]);
    const after = await alice("credential-process", "--grant-id", pending.id, "--cache-dir", alice.cacheDir);
    expect(after.code).to.equal(3);
  });
});
