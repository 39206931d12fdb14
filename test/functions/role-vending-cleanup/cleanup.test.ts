import { expect } from "chai";
import { runCleanup } from "../../../functions/role-vending-cleanup/cleanup";
import { requestGrant } from "../../../functions/role-vending-api/core";
import { METRICS } from "../../../functions/shared/contracts/role-vending-api";
import { ALICE, iamStandIn, PREFIX, startDynalite, vendorDeps, type Dynalite } from "../role-vending/support";

const caller = { arn: ALICE, identityArn: ALICE, trustPrincipal: ALICE, sourceIdentity: "alice" };
const body = { projectId: "payments", tier: "read-only" as const, durationMinutes: 30, reason: "nightly batch rerun" };

describe("role-vending-cleanup: expiry, orphans, overlapping runs, role quota", () => {
  let dynamo: Dynalite;
  let iam: ReturnType<typeof iamStandIn>;
  before(async () => {
    dynamo = await startDynalite();
  });
  after(async () => dynamo.stop());
  beforeEach(() => {
    iam = iamStandIn({ quota: 50 });
  });
  afterEach(() => iam.mock.restore());

  async function setup(grants: number) {
    const v = vendorDeps(await dynamo.store(), iam.client);
    const created = [];
    for (let i = 0; i < grants; i++) created.push(await requestGrant(v.deps, caller, body));
    return { ...v, created };
  }

  it("expires grants past their end: roles deleted (policies first), status EXPIRED, one audit record each, even with two runs at once", async () => {
    const { deps, clock, created, metrics } = await setup(4);
    expect(iam.roles.size).to.equal(4);
    clock.now = new Date(Date.parse(created[0]!.end) + 1000);
    const [a, b] = await Promise.all([runCleanup(deps, { orphanGraceMs: 0 }), runCleanup(deps, { orphanGraceMs: 0 })]);
    expect(a.grantsExpired + b.grantsExpired).to.equal(4);
    expect(a.errors + b.errors).to.equal(0);
    expect(iam.roles.size).to.equal(0);
    for (const g of created) {
      expect((await deps.store.get(g.id))!.status).to.equal("EXPIRED");
      expect((await deps.store.auditTrail(g.id)).filter((x) => x.action === "expired")).to.have.length(1);
    }
    const third = await runCleanup(deps, { orphanGraceMs: 0 });
    expect(third).to.include({ grantsExpired: 0, rolesDeleted: 0, orphansDeleted: 0, errors: 0 });
    expect(metrics.recorded.filter((m) => m.name === METRICS.expired)).to.have.length(4);
  });

  it("tolerates roles already deleted by hand", async () => {
    const { deps, clock, created } = await setup(1);
    iam.roles.clear();
    clock.now = new Date(Date.parse(created[0]!.end) + 1000);
    const r = await runCleanup(deps);
    expect(r).to.include({ grantsExpired: 1, rolesAlreadyGone: 1, errors: 0 });
  });

  it("deletes orphaned roles (no grant, or a revoked grant) once they are older than the grace period, and leaves live ones", async () => {
    const { deps, clock, created } = await setup(1);
    await iam.client.send(new (await import("@aws-sdk/client-iam")).CreateRoleCommand({ RoleName: `${PREFIX}-g-ffffffffffffffffffff`, Path: `/role-vending/${PREFIX}/`, AssumeRolePolicyDocument: "{}" }));
    iam.roles.get(`${PREFIX}-g-ffffffffffffffffffff`)!.createdAt = clock.now;
    const young = await runCleanup(deps);
    expect(young.orphansDeleted).to.equal(0);
    // Ten minutes later: the orphan is past the grace period; the live grant's role stays.
    clock.now = new Date(clock.now.getTime() + 10 * 60_000);
    const r = await runCleanup(deps);
    expect(r.orphansDeleted).to.equal(1);
    expect([...iam.roles.keys()]).to.deep.equal([`${PREFIX}-${created[0]!.id}`]);
  });

  it("expires unanswered approval requests", async () => {
    const v = vendorDeps(await dynamo.store(), iam.client);
    const pending = await requestGrant(v.deps, caller, { ...body, tier: "admin" });
    v.clock.now = new Date(Date.parse(pending.approvalExpiresAt!) + 1000);
    const r = await runCleanup(v.deps);
    expect(r.approvalsExpired).to.equal(1);
    expect((await v.deps.store.get(pending.id))!).to.include({ status: "EXPIRED", decisionReason: "no approver answered in time" });
  });

  it("reports the role quota in percent and warns at 80 %", async () => {
    const { deps, metrics, logger } = await setup(30);
    const r = await runCleanup(deps);
    expect(r.roleQuota).to.deep.equal({ roles: 40, quota: 50, usedPercent: 80 });
    expect(metrics.recorded.find((m) => m.name === METRICS.roleQuotaUsedPercent)!.value).to.equal(80);
    expect(logger.lines.some((l) => l.message === "IAM role quota nearly used")).to.equal(true);
  });
});
