import { expect } from "chai";
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { createHandler, type ApiGatewayProxyEvent } from "../../../functions/shared/platform/http";
import { roleVendingRoutes } from "../../../functions/role-vending-api/api";
import { METRICS } from "../../../functions/shared/contracts/role-vending-api";
import { evaluateRequest } from "../../../functions/shared/iam-policy/evaluate";
import type { GrantStore } from "../../../functions/shared/role-vending/grant-store";
import { ALICE, BOB, CAROL, iamStandIn, memoryLogger, PREFIX, startDynalite, vendorDeps, type Dynalite } from "../role-vending/support";

type Ctx = ReturnType<typeof vendorDeps> & { handler: ReturnType<typeof createHandler>; iam: ReturnType<typeof iamStandIn>; store: GrantStore };

function event(method: string, resource: string, options: { user?: string; body?: unknown; id?: string; query?: Record<string, string> } = {}): ApiGatewayProxyEvent {
  const path = resource.replace("{id}", options.id ?? "");
  return {
    httpMethod: method,
    resource,
    path,
    pathParameters: options.id ? { id: options.id } : null,
    queryStringParameters: options.query ?? null,
    body: options.body === undefined ? null : typeof options.body === "string" ? options.body : JSON.stringify(options.body),
    requestContext: { requestId: "r", identity: { sourceIp: "203.0.113.9", userArn: options.user ?? ALICE } },
  };
}

const valid = { projectId: "payments", tier: "read-only", durationMinutes: 60, reason: "investigate incident 42" };

describe("role-vending-api: routes over the core (dynalite, IAM stand-in)", () => {
  let dynamo: Dynalite;
  let ctx: Ctx;
  before(async () => {
    dynamo = await startDynalite();
  });
  after(async () => dynamo.stop());
  beforeEach(async () => {
    const iam = iamStandIn();
    const store = await dynamo.store();
    const v = vendorDeps(store, iam.client);
    ctx = { ...v, iam, store, handler: createHandler(roleVendingRoutes(v.deps), { logger: memoryLogger() as never }) };
  });
  afterEach(() => ctx.iam.mock.restore());

  const call = async (e: ApiGatewayProxyEvent) => {
    const r = await ctx.handler(e);
    return { status: r.statusCode, headers: r.headers ?? {}, json: JSON.parse(r.body) };
  };
  const request = (body: unknown, user = ALICE) => call(event("POST", "/grants", { body, user }));

  describe("validation table", () => {
    const cases: [string, unknown, number, RegExp?][] = [
      ["14 minutes", { ...valid, durationMinutes: 14 }, 400, /durationMinutes: must be at least 15 minutes/],
      ["15 minutes", { ...valid, durationMinutes: 15 }, 200],
      ["36 hours", { ...valid, durationMinutes: 2160 }, 200],
      ["36 hours + 1 minute", { ...valid, durationMinutes: 2161 }, 400, /durationMinutes: must be at most 2160 minutes/],
      ["tier read-only", valid, 200],
      ["tier developer", { ...valid, tier: "developer" }, 200],
      ["tier admin (waits for approval)", { ...valid, tier: "admin" }, 200],
      ["tier break-glass", { ...valid, tier: "break-glass" }, 200],
      ["an unknown tier", { ...valid, tier: "root" }, 400, /tier: must be one of read-only, developer, admin, break-glass/],
      ["a CIDR with a bad prefix", { ...valid, cidrs: ["203.0.113.0/33"] }, 400, /cidrs.0: must be an IPv4 or IPv6 CIDR/],
      ["a bare IP", { ...valid, cidrs: ["203.0.113.7"] }, 400, /cidrs.0/],
      ["everyone (/0)", { ...valid, cidrs: ["0.0.0.0/0"] }, 400, /cidrs.0/],
      ["a malformed address", { ...valid, cidrs: ["300.1.1.1/24"] }, 400, /cidrs.0/],
      ["a malformed IPv6 CIDR", { ...valid, cidrs: ["1:2:3/64"] }, 400, /cidrs.0: must be an IPv4 or IPv6 CIDR/],
      ["colons only", { ...valid, cidrs: ["::::::::/64"] }, 400, /cidrs.0: must be an IPv4 or IPv6 CIDR/],
      ["an IPv6 CIDR outside the allowed networks", { ...valid, cidrs: ["2001:db8::/32"] }, 400, /cidrs.0: 2001:db8::\/32 is not inside the allowed networks/],
      ["a narrower CIDR inside the allowed networks", { ...valid, cidrs: ["203.0.113.128/25"] }, 200],
      ["the allowed network itself", { ...valid, cidrs: ["203.0.113.0/24"] }, 200],
      ["the internet in two halves", { ...valid, cidrs: ["0.0.0.0/1", "128.0.0.0/1"] }, 400, /cidrs.0: 0.0.0.0\/1 is not inside the allowed networks/],
      ["a wider block around the allowed network", { ...valid, cidrs: ["203.0.0.0/16"] }, 400, /cidrs.0/],
      ["one allowed and one foreign CIDR", { ...valid, cidrs: ["203.0.113.0/25", "198.51.100.0/24"] }, 400, /cidrs.1: 198.51.100.0\/24/],
      ["no reason", { ...valid, reason: undefined }, 400, /reason: is required/],
      ["a short reason", { ...valid, reason: "because" }, 400, /reason: must be at least 10 characters/],
      ["an unknown project", { ...valid, projectId: "secret-project" }, 400, /projectId: secret-project is not in the allow-list/],
      ["malformed JSON", "{", 400, /not valid JSON/],
      ["a start in the past", { ...valid, start: "2029-12-31T00:00:00Z" }, 400, /start: must not be in the past/],
    ];
    for (const [name, body, status, message] of cases) {
      it(`${name} → ${status}`, async () => {
        const r = await request(body);
        expect(r.status, JSON.stringify(r.json)).to.equal(status);
        if (message) expect(r.json.error.message).to.match(message);
        else expect(r.json.grant.requester).to.equal(ALICE);
      });
    }
    it("ignores a principal in the body: the requester is the authenticated caller", async () => {
      const r = await request({ ...valid, requester: BOB, principal: BOB, user: BOB });
      expect(r.status).to.equal(200);
      expect(r.json.grant.requester).to.equal(ALICE);
      const trust = JSON.parse(ctx.iam.roles.values().next().value!.trust);
      expect(trust.Statement[0].Principal.AWS).to.equal(ALICE);
    });
    it("refuses another user's grant and an unauthenticated call", async () => {
      const { json } = await request(valid);
      const other = await call(event("GET", "/grants/{id}", { id: json.grant.id, user: CAROL }));
      expect(other.status).to.equal(403);
      expect(other.json.error.message).to.match(/belongs to another user/);
      const anonymous = await ctx.handler({ ...event("GET", "/grants"), requestContext: { requestId: "r", identity: {} } });
      expect(anonymous.statusCode).to.equal(403);
    });
  });

  it("creates the vended role with boundary, path, tags, MaxSessionDuration and validated policies", async () => {
    const r = await request({ ...valid, tier: "developer", durationMinutes: 240 });
    const grant = r.json.grant;
    expect(grant.status).to.equal("ACTIVE");
    const role = ctx.iam.roles.get(`${PREFIX}-${grant.id}`)!;
    expect(grant.roleArn).to.equal(role.arn);
    expect(role.path).to.equal(`/role-vending/${PREFIX}/`);
    expect(role.boundary).to.equal(`arn:aws:iam::111111111111:policy/role-vending/${PREFIX}/${PREFIX}-boundary-developer`);
    expect(role.maxSessionDuration).to.equal(4 * 3600);
    expect(role.tags).to.include({ "grant-id": grant.id, requester: ALICE, tier: "developer", end: grant.end });
    const trust = JSON.parse(role.trust);
    expect(trust.Statement[0].Condition.StringEquals).to.deep.equal({ "sts:ExternalId": grant.externalId, "sts:SourceIdentity": "alice" });
    const permissions = JSON.parse(role.inline.get("grant-permissions")!);
    expect(JSON.stringify(permissions)).to.include("arn:aws:s3:::payments-*").and.include("arn:aws:lambda:eu-west-1:111111111111:function:payments-*");
    expect(ctx.metrics.recorded.map((m) => m.name)).to.include.members([METRICS.requests, METRICS.grants, METRICS.provisioningTimeMs]);
  });

  it("a role-session requester is pinned by aws:userid under the account principal", async () => {
    const sessionArn = "arn:aws:sts::111111111111:assumed-role/Contractors/dana";
    const e = event("POST", "/grants", { body: valid, user: sessionArn });
    const r = await ctx.handler({ ...e, requestContext: { requestId: "r", identity: { userArn: sessionArn, caller: "AROAEXAMPLEID:dana" } } });
    expect(r.statusCode, r.body).to.equal(200);
    const grant = JSON.parse(r.body).grant;
    expect(grant).to.include({ requester: sessionArn, sourceIdentity: "dana", requesterUserId: "AROAEXAMPLEID:dana" });
    const trust = JSON.parse(ctx.iam.roles.get(`${PREFIX}-${grant.id}`)!.trust);
    expect(trust.Statement[0].Principal.AWS).to.equal("arn:aws:iam::111111111111:root");
    // The trust policy names the account, so the session's own role must allow the assumption too (docs/role-vending.md).
    const contractorsPolicy = { Statement: [{ Effect: "Allow", Action: ["sts:AssumeRole", "sts:SetSourceIdentity"], Resource: "arn:aws:iam::111111111111:role/role-vending/*" }] };
    const ask = (userid: string, identity: object[] = [contractorsPolicy]) =>
      evaluateRequest({ identity, resource: trust }, {
        principal: sessionArn,
        action: "sts:AssumeRole",
        resource: grant.roleArn,
        context: { "aws:userid": userid, "aws:MultiFactorAuthPresent": "true", "aws:SourceIp": "203.0.113.9", "sts:ExternalId": grant.externalId, "sts:SourceIdentity": "dana", "aws:CurrentTime": grant.start },
      });
    expect(ask("AROAEXAMPLEID:dana").allowed).to.equal(true);
    expect(ask("AROAEXAMPLEID:eve").allowed).to.equal(false);
    expect(ask("AROAEXAMPLEID:dana", []).allowed, "without an identity policy on the Contractors role").to.equal(false);
  });

  it("a grant revoked while its role is being created does not keep the role", async () => {
    ctx.iam.mock.restore();
    const slow = iamStandIn({ latencyMs: 150 });
    const v = vendorDeps(ctx.store, slow.client);
    const handler = createHandler(roleVendingRoutes(v.deps), { logger: memoryLogger() as never });
    try {
      const pending = JSON.parse((await handler(event("POST", "/grants", { body: { ...valid, tier: "admin" }, user: ALICE }))).body).grant;
      const approving = handler(event("POST", "/grants/{id}/approve", { id: pending.id, body: {}, user: BOB }));
      let settled = false;
      void approving.then(() => (settled = true));
      while (slow.counter.calls === 0 && !settled) await new Promise((r) => setTimeout(r, 5));
      expect(settled, (await Promise.race([approving, Promise.resolve(undefined)]))?.body).to.equal(false);
      const revoked = await handler(event("DELETE", "/grants/{id}", { id: pending.id, user: ALICE }));
      expect(revoked.statusCode, revoked.body).to.equal(200);
      const approved = await approving;
      expect(approved.statusCode, approved.body).to.equal(409);
      expect([...slow.roles.keys()], "the revoked grant's role").to.deep.equal([]);
      expect((await ctx.store.get(pending.id))!.status).to.equal("REVOKED");
    } finally {
      slow.mock.restore();
    }
  });

  it("break-glass never waits, is recorded and alarms", async () => {
    const r = await request({ ...valid, tier: "break-glass" });
    expect(r.json.grant.status).to.equal("ACTIVE");
    expect(ctx.metrics.recorded.some((m) => m.name === METRICS.breakGlassGrants)).to.equal(true);
    expect(ctx.logger.lines.some((l) => l.level === "warn" && l.message === "break-glass grant")).to.equal(true);
  });

  it("150 concurrent requests from one user within a minute → exactly 100 accepted, the rest 429 with Retry-After", async () => {
    ctx.clock.now = new Date("2030-01-01T09:00:10Z");
    const results = await Promise.all(Array.from({ length: 150 }, () => call(event("GET", "/grants"))));
    const accepted = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(accepted).to.have.length(100);
    expect(limited).to.have.length(50);
    expect(limited[0]!.headers["retry-after"]).to.equal("50");
    expect(limited[0]!.json.error.code).to.equal("RateLimited");
    // Another user has a budget of their own; the next minute starts afresh.
    expect((await call(event("GET", "/grants", { user: BOB }))).status).to.equal(200);
    ctx.clock.now = new Date("2030-01-01T09:01:00Z");
    expect((await call(event("GET", "/grants"))).status).to.equal(200);
  });

  describe("approvals", () => {
    it("admin waits for an approver, who is notified; no self-approval; a non-approver is refused; an approver approves once", async () => {
      const { json } = await request({ ...valid, tier: "admin" });
      expect(json.grant.status).to.equal("PENDING_APPROVAL");
      expect(ctx.iam.roles.size).to.equal(0);
      expect(ctx.notifications[0]!.message).to.include(`iam-role-vendor approve ${json.grant.id}`);
      const id = json.grant.id;
      const self = await call(event("POST", "/grants/{id}/approve", { id, body: {}, user: ALICE }));
      expect(self.status).to.equal(403);
      expect(self.json.error.code).to.equal("Forbidden");
      const stranger = await call(event("POST", "/grants/{id}/approve", { id, body: {}, user: CAROL }));
      expect(stranger.status).to.equal(403);
      const approved = await call(event("POST", "/grants/{id}/approve", { id, body: { reason: "on call" }, user: BOB }));
      expect(approved.status).to.equal(200);
      expect(approved.json.grant).to.include({ status: "ACTIVE", approver: BOB });
      expect(approved.json.grant.roleArn).to.match(/role-vending/);
      const again = await call(event("POST", "/grants/{id}/approve", { id, body: {}, user: BOB }));
      expect(again.status).to.equal(409);
      const trail = (await ctx.store.auditTrail(id)).map((a) => a.action);
      expect(trail).to.have.members(["requested", "approved", "granted"]);
    });

    it("an approver cannot approve their own request", async () => {
      const { json } = await request({ ...valid, tier: "admin" }, BOB);
      const self = await call(event("POST", "/grants/{id}/approve", { id: json.grant.id, body: {}, user: BOB }));
      expect(self.status).to.equal(403);
      expect(self.json.error.code).to.equal("SelfApproval");
    });

    it("approvers in the approver group count; deny records the reason", async () => {
      const v = vendorDeps(ctx.store, ctx.iam.client, { isGroupMember: async (group, arn) => group === "approvers" && arn === CAROL });
      const handler = createHandler(roleVendingRoutes({ ...v.deps, config: { ...v.deps.config, APPROVER_GROUP: "approvers" } }), { logger: memoryLogger() as never });
      const created = JSON.parse((await handler(event("POST", "/grants", { body: { ...valid, tier: "admin" } }))).body);
      const denied = await handler(event("POST", "/grants/{id}/deny", { id: created.grant.id, body: { reason: "not during the freeze" }, user: CAROL }));
      expect(denied.statusCode).to.equal(200);
      expect(JSON.parse(denied.body).grant).to.include({ status: "DENIED", decisionReason: "not during the freeze", approver: CAROL });
    });

    it("an unanswered request expires: approval after the expiry is refused", async () => {
      const { json } = await request({ ...valid, tier: "admin", durationMinutes: 600 });
      ctx.clock.now = new Date(Date.parse(json.grant.approvalExpiresAt) + 1000);
      const late = await call(event("POST", "/grants/{id}/approve", { id: json.grant.id, body: {}, user: BOB }));
      expect(late.status).to.equal(409);
      expect(late.json.error.message).to.match(/is EXPIRED/);
      const read = await call(event("GET", "/grants/{id}", { id: json.grant.id }));
      expect(read.json.grant.status).to.equal("EXPIRED");
    });
  });

  it("revocation: denies older sessions first, then deletes the role; only the owner, approvers and admins", async () => {
    const { json } = await request(valid);
    const id = json.grant.id;
    expect((await call(event("DELETE", "/grants/{id}", { id, user: CAROL }))).status).to.equal(403);
    const r = await call(event("DELETE", "/grants/{id}", { id }));
    expect(r.status).to.equal(200);
    expect(r.json.grant.status).to.equal("REVOKED");
    expect(ctx.iam.roles.size).to.equal(0);
    const puts = ctx.iam.mock.commandCalls(PutRolePolicyCommand).map((c) => c.args[0].input);
    const revoke = puts.find((p) => p.PolicyName === "AWSRevokeOlderSessions")!;
    expect(JSON.parse(revoke.PolicyDocument!).Statement[0].Condition.DateLessThan["aws:TokenIssueTime"]).to.equal(ctx.clock.now.toISOString());
    expect((await call(event("DELETE", "/grants/{id}", { id }))).status).to.equal(409);
    expect((await ctx.store.auditTrail(id)).map((a) => a.action)).to.include("revoked");
  });

  it("lists your own grants; approvers may list another user's or by status", async () => {
    await request(valid);
    await request({ ...valid, tier: "developer" }, CAROL);
    const own = await call(event("GET", "/grants"));
    expect(own.json.grants).to.have.length(1);
    expect((await call(event("GET", "/grants", { query: { user: CAROL } }))).status).to.equal(403);
    const byApprover = await call(event("GET", "/grants", { user: BOB, query: { user: CAROL } }));
    expect(byApprover.json.grants.map((g: { requester: string }) => g.requester)).to.deep.equal([CAROL]);
    const active = await call(event("GET", "/grants", { user: BOB, query: { status: "ACTIVE", tier: "developer" } }));
    expect(active.json.grants).to.have.length(1);
    expect((await call(event("GET", "/grants", { query: { status: "NOPE" } }))).status).to.equal(400);
  });

  it("a template allowing what the boundary denies fails the grant with a 4xx, and no role is created", async () => {
    const v = vendorDeps(ctx.store, ctx.iam.client, { templates: { get: async () => '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}' } });
    const handler = createHandler(roleVendingRoutes(v.deps), { logger: memoryLogger() as never });
    const r = await handler(event("POST", "/grants", { body: valid }));
    expect(r.statusCode).to.equal(400);
    expect(JSON.parse(r.body).error.message).to.match(/read-only boundary denies/);
    expect(ctx.iam.roles.size).to.equal(0);
  });
});
