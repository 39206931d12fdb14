/**
 * The KMS audit API's hardening: only regions (and the partition) the platform knows, a bounded
 * client cache, AWS error codes without AWS's messages (those go to the log), unknown body keys
 * named but not echoed. Runs the real routes through the platform's createHandler with KMS mocked.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient, ListAliasesCommand, ListResourceTagsCommand } from "@aws-sdk/client-kms";
import type { Logger } from "@aws-lambda-powertools/logger";
import { kmsAuditorRoutes } from "../../../functions/kms-auditor/api";
import { MAX_KMS_CLIENTS, isKnownRegion, parseAuditRegions, regionPolicy } from "../../../functions/kms-auditor/regions";
import { regionalClients } from "../../../functions/shared/platform/aws-clients";
import { ConfigurationError } from "../../../functions/shared/platform/errors";
import { createHandler } from "../../../functions/shared/platform/http";
import { REPLAY_CREDENTIALS } from "../../../functions/shared/cspm/snapshot";
import { ACCOUNT, DEFAULT_POLICY, KEY_ARN, KEY_ID, keyMetadata, REGION } from "./fixtures";

const ROLE_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/cspm-dev-kms-auditor/kms-auditor`;
const denied = (action: string) =>
  Object.assign(new Error(`User: ${ROLE_ARN} is not authorized to perform: ${action} on resource: ${KEY_ARN} because no identity-based policy allows the ${action} action`), {
    name: "AccessDeniedException",
    $fault: "client",
    $metadata: {},
  });

/** A distinct region-shaped name per i (`eu-aaa-1`, `eu-baa-1`, ...) that no partition has. */
function fakeRegion(i: number): string {
  let letters = "";
  for (let n = i, k = 0; k < 3; k++, n = Math.floor(n / 26)) letters += String.fromCharCode(97 + (n % 26));
  return `eu-x${letters}-1`;
}

interface LogEntry {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

function api(options: { auditRegions?: readonly string[]; kms?: (region: string) => KMSClient } = {}) {
  const logs: LogEntry[] = [];
  const record = (level: string) => (message: string, fields: Record<string, unknown> = {}) => void logs.push({ level, message, fields });
  const logger = { info: record("info"), warn: record("warn"), error: record("error"), debug: record("debug") } as unknown as Logger;
  const made: string[] = [];
  const kms =
    options.kms ??
    regionalClients(
      (config) => {
        made.push(config.region);
        return new KMSClient({ ...config, credentials: REPLAY_CREDENTIALS });
      },
      { maxClients: MAX_KMS_CLIENTS },
    );
  const handler = createHandler(
    kmsAuditorRoutes({
      region: REGION,
      version: "test",
      regions: regionPolicy(REGION, options.auditRegions),
      deps: () => ({ kms, ownAccountId: () => Promise.resolve(ACCOUNT), now: () => new Date("2026-01-15T00:00:00Z") }),
    }),
    { logger },
  );
  const post = async (path: string, body: unknown) => {
    const answer = await handler({ httpMethod: "POST", path, resource: path, body: typeof body === "string" ? body : JSON.stringify(body), requestContext: { requestId: "req-1" } });
    return { status: answer.statusCode, body: answer.body, json: JSON.parse(answer.body) };
  };
  return { post, logs, made };
}

describe("kms-auditor API hardening", () => {
  let kms: ReturnType<typeof mockClient>;
  beforeEach(() => {
    kms = mockClient(KMSClient);
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMetadata() });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: DEFAULT_POLICY, PolicyName: "default" });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
  });
  afterEach(() => kms.restore());

  describe("regions", () => {
    it("accepts the audit regions and the function's own region, and refuses any other with 400 RegionNotAllowed naming the field", async () => {
      const { post } = api({ auditRegions: ["eu-central-1", "us-east-1"] });
      for (const region of ["eu-central-1", "us-east-1", REGION]) {
        expect((await post("/audit-key", { action: "audit_key", key_id: KEY_ID, region })).status, region).to.equal(200);
      }
      const callsBefore = kms.calls().length;
      const byField = await post("/audit-key", { action: "audit_key", key_id: KEY_ID, region: "ap-south-1" });
      const byArn = await post("/key-info", { action: "get_key_info", key_id: `arn:aws:kms:ap-south-1:${ACCOUNT}:key/${KEY_ID}` });
      expect([byField.status, byField.json.error.code]).to.deep.equal([400, "RegionNotAllowed"]);
      expect(byField.json.error.message).to.contain("region").and.contain("eu-central-1, eu-west-1, us-east-1");
      expect([byArn.status, byArn.json.error.code]).to.deep.equal([400, "RegionNotAllowed"]);
      expect(byArn.json.error.message).to.match(/^key_id names region "ap-south-1"/);
      expect(kms.calls()).to.have.length(callsBefore); // refused before any KMS call
    });

    it("without audit regions, accepts the SDK's regions of the function's partition and nothing that merely looks like one", async () => {
      const { post } = api();
      expect((await post("/audit-key", { action: "audit_key", key_id: KEY_ID, region: "ap-southeast-7" })).status).to.equal(200);
      for (const region of ["eu-fake-9", "xx-west-1", "cn-north-1", "us-gov-west-1"]) {
        const answer = await post("/audit-key", { action: "audit_key", key_id: KEY_ID, region });
        expect([answer.status, answer.json.error.code], region).to.deep.equal([400, "RegionNotAllowed"]);
      }
      const china = await post("/audit-key", { action: "audit_key", key_id: `arn:aws-cn:kms:cn-north-1:${ACCOUNT}:key/${KEY_ID}` });
      expect([china.status, china.json.error.code]).to.deep.equal([400, "PartitionNotAllowed"]);
    });

    it("9,000 made-up regions get 9,000 answers of 400 and not one KMS client", async () => {
      const { post, made } = api();
      const statuses = new Set<number>();
      for (let i = 0; i < 9000; i++) statuses.add((await post("/audit-key", { action: "audit_key", key_id: KEY_ID, region: fakeRegion(i) })).status);
      expect([...statuses]).to.deep.equal([400]);
      expect(made).to.deep.equal([]);
    });

    it("keeps at most MAX_KMS_CLIENTS clients however many regions AWS names (replica primaries)", () => {
      let alive = 0;
      const clients = regionalClients(
        () => {
          alive++;
          return { destroy: () => void alive-- };
        },
        { maxClients: MAX_KMS_CLIENTS },
      );
      for (let i = 0; i < 9000; i++) clients(fakeRegion(i));
      expect(alive).to.equal(MAX_KMS_CLIENTS);
    });

    it("reads AUDIT_REGIONS strictly: unknown regions, other partitions and pseudo-regions are configuration errors", () => {
      expect(parseAuditRegions(" eu-west-1 , us-east-1,eu-west-1 ", REGION)).to.deep.equal(["eu-west-1", "us-east-1"]);
      expect(parseAuditRegions(undefined, REGION)).to.equal(undefined);
      expect(parseAuditRegions("", REGION)).to.equal(undefined);
      for (const bad of ["eu-west-1,eu-fake-9", "cn-north-1", "aws-global", "eu-west-1;us-east-1"]) {
        expect(() => parseAuditRegions(bad, REGION), bad).to.throw(ConfigurationError).with.property("message").that.contains("AUDIT_REGIONS");
      }
      expect(isKnownRegion("eu-west-1")).to.equal(true);
      expect(isKnownRegion("aws-global")).to.equal(false);
    });
  });

  describe("AWS messages", () => {
    it("/audit-key answers the codes, never AWS's message (which names the role and account); the message goes to the log", async () => {
      kms.on(GetKeyPolicyCommand).rejects(denied("kms:GetKeyPolicy"));
      const { post, logs } = api();
      const answer = await post("/audit-key", { action: "audit_key", key_id: KEY_ARN });

      expect(answer.status).to.equal(200);
      expect(answer.body).not.to.contain(ROLE_ARN).and.not.to.contain("not authorized");
      const policyCheck = answer.json.results.find((r: { checkId: string }) => r.checkId === "kms_key_policy_not_public");
      expect(policyCheck).to.include({ status: "NOT_AVAILABLE", errorCode: "AccessDeniedException" });
      expect(policyCheck.reason).to.equal("Could not read the key policy (AccessDeniedException).");
      const withheld = logs.filter((l) => l.message === "AWS message withheld from the answer");
      expect(withheld.map((l) => [l.level, l.fields.requestId, l.fields.source, l.fields.code])).to.deep.equal([["warn", "req-1", "policy", "AccessDeniedException"]]);
      expect(withheld[0]!.fields.awsMessage).to.contain(ROLE_ARN);
    });

    it("/key-info answers 502 with the code and a message of its own when DescribeKey is denied", async () => {
      kms.on(DescribeKeyCommand).rejects(denied("kms:DescribeKey"));
      const { post, logs } = api();
      const answer = await post("/key-info", { action: "get_key_info", key_id: KEY_ID });
      expect([answer.status, answer.json.error.code]).to.deep.equal([502, "AccessDeniedException"]);
      expect(answer.json.error.message).to.equal("AWS answered AccessDeniedException; its message is in the KMS auditor's log under request id req-1.");
      expect(answer.body).not.to.contain(ACCOUNT);
      expect(logs.some((l) => l.fields.source === "request" && String(l.fields.awsMessage).includes(ROLE_ARN))).to.equal(true);
    });

    it("/key-info keeps only the code of a part it could not read", async () => {
      kms.on(ListAliasesCommand).rejects(denied("kms:ListAliases"));
      kms.on(ListResourceTagsCommand).resolves({ Tags: [] });
      const { post, logs } = api();
      const answer = await post("/key-info", { action: "get_key_info", key_id: KEY_ID });
      expect(answer.status).to.equal(200);
      expect(answer.json.aliases).to.deep.equal({ error: { code: "AccessDeniedException" } });
      expect(answer.body).not.to.contain(ROLE_ARN);
      expect(logs.filter((l) => l.fields.source === "aliases")).to.have.length(1);
    });

    it("keeps the auditor's own explanations (a key of another account)", async () => {
      const { post } = api();
      const answer = await post("/audit-key", { action: "audit_key", key_id: `arn:aws:kms:${REGION}:999999999999:key/${KEY_ID}` });
      expect(answer.json.results[0].reason).to.contain("the key is in account 999999999999");
    });
  });

  describe("unknown body keys", () => {
    it("are named (three at most, cut to 40 characters), never echoed in full", async () => {
      const { post, logs } = api();
      const body: Record<string, unknown> = { action: "audit_key", key_id: KEY_ID };
      for (let i = 0; i < 50; i++) body[`${String(i).padStart(2, "0")}${"k".repeat(1000)}`] = 1;
      const answer = await post("/audit-key", body);
      expect([answer.status, answer.json.error.code]).to.deep.equal([400, "InvalidRequest"]);
      expect(answer.json.error.message).to.have.length.below(300);
      expect(answer.json.error.message).to.contain(`unknown keys "00${"k".repeat(38)}..."`).and.contain("and 47 more");
      expect(JSON.stringify(logs)).to.have.length.below(2000);
    });

    it("names one unknown key in a nested object with its path", async () => {
      const { post } = api();
      const answer = await post("/audit-key", { action: "audit_key", key_id: KEY_ID, additional_params: { trusted: ["x"] } });
      expect(answer.json.error.message).to.equal('Invalid request body: additional_params: unknown key "trusted".');
    });
  });
});

describe("kms-auditor handler: AUDIT_REGIONS from the environment", () => {
  const HANDLER = require.resolve("../../../functions/kms-auditor/handler");

  /** Loads a fresh copy of the deployed handler module under `env` (it reads the environment once, at load). */
  function loadHandler(env: Record<string, string>) {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const cached = require.cache[HANDLER];
    delete require.cache[HANDLER];
    try {
      return (require(HANDLER) as typeof import("../../../functions/kms-auditor/handler")).handler;
    } finally {
      if (cached) require.cache[HANDLER] = cached;
      else delete require.cache[HANDLER];
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  it("refuses a region outside AUDIT_REGIONS and the function's own", async () => {
    const handler = loadHandler({ AWS_REGION: REGION, AUDIT_REGIONS: "eu-central-1", POWERTOOLS_LOG_LEVEL: "SILENT" });
    const answer = await handler({ httpMethod: "POST", path: "/audit-key", resource: "/audit-key", body: JSON.stringify({ action: "audit_key", key_id: KEY_ID, region: "us-east-1" }) }, { invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f` });
    expect(answer.statusCode).to.equal(400);
    expect(JSON.parse(answer.body).error).to.deep.include({ code: "RegionNotAllowed" });
    expect(JSON.parse(answer.body).error.message).to.contain("eu-central-1, eu-west-1");
  });

  it("does not start with an AUDIT_REGIONS entry the SDK does not know", () => {
    expect(() => loadHandler({ AWS_REGION: REGION, AUDIT_REGIONS: "eu-west-1,eu-fake-9", POWERTOOLS_LOG_LEVEL: "SILENT" })).to.throw(ConfigurationError, /AUDIT_REGIONS lists "eu-fake-9"/);
  });
});
