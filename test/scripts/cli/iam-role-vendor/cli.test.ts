/**
 * Contract test: the CLI's client against the real API handler (local API Gateway stand-in that
 * verifies SigV4 and requires MFA), DynamoDB on dynalite, IAM/STS mocked; output formats and
 * credential_process refresh.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssumeRoleCommand, GetSessionTokenCommand } from "@aws-sdk/client-sts";
import { RoleVendingClient, ApiError } from "../../../../scripts/cli/iam-role-vendor/client";
import { parseDuration } from "../../../../scripts/cli/iam-role-vendor/main";
import { startRealVending, USERS, type RealVending } from "../../../functions/role-vending/real-api";
import { cliAs } from "../../../functions/role-vending/cli-harness";

const REQUEST = ["request-role", "--project-id", "payments", "--permission-tier", "read-only", "--duration", "90m", "--reason", "debug the nightly export"];

describe("iam-role-vendor CLI against the real role-vending API", () => {
  let v: RealVending;
  before(async () => {
    v = await startRealVending();
  });
  after(async () => v.close());

  it("parses durations and refuses ones outside 15m–36h", () => {
    expect(parseDuration("90m")).to.equal(90);
    expect(parseDuration("4h")).to.equal(240);
    expect(parseDuration("1h30m")).to.equal(90);
    expect(() => parseDuration("14m")).to.throw(/between 15m and 36h/);
    expect(() => parseDuration("36h1m")).to.throw(/between 15m and 36h/);
    expect(() => parseDuration("soon")).to.throw(/90m, 4h/);
  });

  it("the typed client round-trips every route through SigV4 and the contract", async () => {
    const client = new RoleVendingClient({ endpoint: v.api.url, region: "eu-west-1", credentials: { accessKeyId: USERS.alice.session.AccessKeyId, secretAccessKey: USERS.alice.session.SecretAccessKey, sessionToken: USERS.alice.session.SessionToken } });
    const created = await client.createGrant({ projectId: "search", tier: "developer", durationMinutes: 60, reason: "reindex the catalogue" });
    expect(created.status).to.equal("ACTIVE");
    expect((await client.getGrant(created.id)).roleArn).to.equal(created.roleArn);
    expect((await client.listGrants({ tier: "developer" })).map((g) => g.id)).to.include(created.id);
    const bobClient = new RoleVendingClient({ endpoint: v.api.url, region: "eu-west-1", credentials: { accessKeyId: USERS.bob.session.AccessKeyId, secretAccessKey: USERS.bob.session.SecretAccessKey, sessionToken: USERS.bob.session.SessionToken } });
    const pending = await client.createGrant({ projectId: "search", tier: "admin", durationMinutes: 60, reason: "rotate the cluster certs" });
    expect((await bobClient.deny(pending.id, "use the runbook")).status).to.equal("DENIED");
    const pending2 = await client.createGrant({ projectId: "search", tier: "admin", durationMinutes: 60, reason: "rotate the cluster certs" });
    expect((await bobClient.approve(pending2.id)).status).to.equal("ACTIVE");
    expect((await client.revoke(created.id)).status).to.equal("REVOKED");
    const err = await client.createGrant({ projectId: "search", tier: "developer", durationMinutes: 14, reason: "too short a grant" }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ApiError);
    expect(err).to.include({ status: 400 });
    expect((err as ApiError).message).to.match(/durationMinutes/);
  });

  it("a wrong signature or credentials without MFA are refused by the gateway (resource policy requires MFA)", async () => {
    const forged = new RoleVendingClient({ endpoint: v.api.url, region: "eu-west-1", credentials: { accessKeyId: USERS.alice.session.AccessKeyId, secretAccessKey: "guessed", sessionToken: USERS.alice.session.SessionToken } });
    expect(await forged.listGrants().catch((e: ApiError) => e.message)).to.match(/signature we calculated does not match/);
    const noMfa = new RoleVendingClient({ endpoint: v.api.url, region: "eu-west-1", credentials: USERS.alice.longTerm });
    expect(await noMfa.listGrants().catch((e: ApiError) => e.status)).to.equal(403);
  });

  it("request-role prints credentials in each output format", async () => {
    const alice = cliAs("alice", v.api.url);
    const env = await alice(...REQUEST);
    expect(env.code, env.stderr).to.equal(0);
    expect(env.stdout).to.match(/^export AWS_ACCESS_KEY_ID='ASIAVENDED\w+'\nexport AWS_SECRET_ACCESS_KEY='vended-secret'\nexport AWS_SESSION_TOKEN='vended-token'\nexport AWS_CREDENTIAL_EXPIRATION='.+'\n$/);

    const json = JSON.parse((await alice(...REQUEST, "--output-format", "json")).stdout);
    expect(json.grant).to.include({ status: "ACTIVE", tier: "read-only", requester: USERS.alice.arn });
    expect(json.credentials.SessionToken).to.equal("vended-token");

    const cp = JSON.parse((await alice(...REQUEST, "--output-format", "credential-process")).stdout);
    expect(cp).to.include({ Version: 1, SecretAccessKey: "vended-secret" });
    expect(Date.parse(cp.Expiration)).to.be.greaterThan(Date.now());

    const configFile = join(mkdtempSync(join(tmpdir(), "awscfg-")), "config");
    const cfg = await cliAs("alice", v.api.url, { env: { AWS_CONFIG_FILE: configFile } })(...REQUEST, "--output-format", "aws-config", "--profile-name", "payments-ro");
    expect(cfg.code, cfg.stderr).to.equal(0);
    const written = readFileSync(configFile, "utf8");
    expect(written).to.match(/^\[profile payments-ro\]\ncredential_process = iam-role-vendor credential-process --grant-id g-[0-9a-f]{20} --api-url http:\/\/127\.0\.0\.1:\d+ --region eu-west-1\nregion = eu-west-1\n/);
  });

  it("check-status, list-sessions (table and json), clear errors and exit codes", async () => {
    const alice = cliAs("alice", v.api.url);
    const json = JSON.parse((await alice(...REQUEST, "--output-format", "json")).stdout);
    const status = await alice("check-status", json.grant.id);
    expect(status.stdout).to.include(`Grant    ${json.grant.id}  ACTIVE`).and.include("Networks 203.0.113.0/24");
    const table = await alice("list-sessions", "--status", "ACTIVE");
    expect(table.stdout.split("\n")[0]).to.match(/^ID\s+STATUS\s+TIER\s+PROJECT\s+END\s+REQUESTER$/);
    expect(JSON.parse((await alice("list-sessions", "--output", "json")).stdout).grants.length).to.be.greaterThan(0);

    const badProject = await alice("request-role", "--project-id", "nope", "--permission-tier", "read-only", "--duration", "1h", "--reason", "a good long reason");
    expect(badProject.code).to.equal(2);
    expect(badProject.stderr).to.match(/projectId: nope is not in the allow-list/);
    const shortDuration = await alice("request-role", "--project-id", "payments", "--permission-tier", "read-only", "--duration", "14m", "--reason", "a good long reason");
    expect(shortDuration.code).to.equal(2);
    expect(shortDuration.stderr).to.match(/--duration.*between 15m and 36h/);
    const unknown = await alice("check-status", "g-00000000000000000000");
    expect(unknown.code).to.equal(4);
    const others = await cliAs("bob", v.api.url)("revoke-session", json.grant.id);
    expect(others.code).to.equal(0); // bob is an approver: approvers may revoke
    const noCode = await cliAs("alice", v.api.url, { mfaCode: false })("list-sessions");
    expect(noCode.code).to.equal(2);
    expect(noCode.stderr).to.match(/MFA code is needed/);
    for (const command of ["request-role", "credential-process", "check-status", "list-sessions", "revoke-session", "approve", "deny", "console", "report"]) {
      const help = await alice(command, "--help");
      expect(help.code, command).to.equal(0);
      expect(help.stdout, command).to.match(/^Usage: iam-role-vendor /);
    }
  });

  it("credential-process serves from a 0600 cache, re-vends near expiry, and stops when the grant is revoked", async () => {
    let now = Date.now();
    const alice = cliAs("alice", v.api.url, { now: () => new Date(now) });
    const json = JSON.parse((await alice(...REQUEST, "--output-format", "json")).stdout);
    const id = json.grant.id;
    const assumes = () => v.sts.commandCalls(AssumeRoleCommand).length;
    const sessions = () => v.sts.commandCalls(GetSessionTokenCommand).length;
    const before = assumes();
    const first = JSON.parse((await alice("credential-process", "--grant-id", id)).stdout);
    const second = JSON.parse((await alice("credential-process", "--grant-id", id)).stdout);
    expect(second.AccessKeyId).to.equal(first.AccessKeyId);
    expect(assumes()).to.equal(before); // request-role cached the credentials it printed
    const file = join(alice.cacheDir, `grant-${id}.json`);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(statSync(alice.cacheDir).mode & 0o777).to.equal(0o700);

    const sessionsBefore = sessions();
    now = Date.parse(first.Expiration) - 60_000; // inside the 5-minute refresh margin
    const third = JSON.parse((await alice("credential-process", "--grant-id", id)).stdout);
    expect(assumes()).to.equal(before + 1);
    expect(third.AccessKeyId).to.not.equal(first.AccessKeyId);
    expect(sessions()).to.equal(sessionsBefore); // the MFA session is cached too: no prompt

    await alice("revoke-session", id);
    now = Date.parse(third.Expiration) - 60_000;
    const after = await alice("credential-process", "--grant-id", id);
    expect(after.code).to.equal(3);
    expect(after.stderr).to.match(/is REVOKED/);
  });

  it("a grant starting later is created and explained, not assumed early", async () => {
    const start = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const r = await cliAs("alice", v.api.url)(...REQUEST, "--start", start);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.include(`starts at ${start}`);
    expect(r.stdout).to.match(/Window   .* → /);
  });

  it("console prints a federation sign-in URL for the grant's session", async () => {
    const asked: string[] = [];
    const federation = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      if (!url.startsWith("https://signin.aws.amazon.com/")) return fetch(input, init);
      asked.push(url);
      return new Response(JSON.stringify({ SigninToken: "token-123" }), { status: 200 });
    }) as typeof fetch;
    const alice = cliAs("alice", v.api.url, { fetch: federation });
    const id = JSON.parse((await alice(...REQUEST, "--output-format", "json")).stdout).grant.id;
    const r = await alice("console", id);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal("https://signin.aws.amazon.com/federation?Action=login&Issuer=iam-role-vendor&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&SigninToken=token-123\n");
    expect(decodeURIComponent(asked[0]!)).to.include('"sessionToken":"vended-token"');
  });

  it("report prints the latest report as a table, JSON or CSV", async () => {
    const report = { generatedAt: "2030-01-01T06:00:00.000Z", activeGrants: [], counts: { byTier: {}, byProject: {} }, roleQuota: { roles: 12, quota: 1000 } };
    const s3 = () => ({ send: async (c: { input: { Key: string } }) => ({ Body: { transformToString: async () => (c.input.Key.endsWith(".csv") ? "id,projectId\n" : JSON.stringify(report)) } }) }) as never;
    const alice = cliAs("alice", v.api.url, { s3 });
    const table = await alice("report", "--bucket", "reports");
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.equal("Report of 2030-01-01T06:00:00.000Z: 0 active grants, 12/1000 IAM roles\nNo grants.\n");
    expect((await alice("report", "--bucket", "reports", "--format", "csv")).stdout).to.equal("id,projectId\n");
    const missing = await alice("report");
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/No report bucket/);
  });

  it("waits for IAM propagation with retries, saying what it waits for", async () => {
    v.failNextAssumes(2);
    const r = await cliAs("alice", v.api.url)(...REQUEST);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr.match(/Waiting for IAM to make the new role assumable/g)).to.have.length(2);
  });
});
