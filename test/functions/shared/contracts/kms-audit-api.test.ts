/**
 * Contract test of the KMS audit API: the REAL client (functions/s3-auditor/kms-api-client.ts)
 * against the REAL handler (functions/kms-auditor/handler.ts) through the local server, with
 * SigV4 verified as API Gateway's IAM authorization does. KMS itself is aws-sdk-client-mock.
 * Every route: success, 4xx with the error shape, 5xx, timeout; and the S3 auditor's key lookups
 * of issue 9: a key that passes, one that fails, one denied, one in another account, a throttled
 * API and a timeout.
 */
import { expect } from "chai";
import type { IncomingMessage } from "node:http";
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, ListAliasesCommand, ListResourceTagsCommand } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { auditKeyRequest, auditKeyResponse, errorResponse, KMS_AUDIT_ERROR_CODES, KMS_AUDIT_ROUTE_NAMES } from "../../../../functions/shared/contracts/kms-audit-api";
import type { KeyAudit } from "../../../../functions/shared/cspm/audit-types";
import { KmsAuditApiClient } from "../../../../functions/s3-auditor/kms-api-client";
import { auditDistinctKeys, canonicalKeyRef } from "../../../../functions/shared/cspm/s3/key-findings";
import type { GatewayAnswer } from "../../../../scripts/serve";
import { ACCOUNT, DEFAULT_POLICY, KEY_ARN, KEY_ID, keyMetadata, REGION } from "../../kms-auditor/fixtures";
import { startMockedKmsAuditor, type MockedKmsAuditor } from "../../kms-auditor/local-server";
import { signatureValid, signedPost, TEST_CREDENTIALS } from "../../../support/sigv4";

const awsError = (name: string) => Object.assign(new Error(`${name} from the mock`), { name, $fault: "client", $metadata: {} });

// Compile-time: what the contract parses is what the pipeline consumes.
const _keyAuditFromContract: (a: ReturnType<typeof auditKeyResponse.parse>) => KeyAudit = (a) => a;
void _keyAuditFromContract;

describe("contract: KMS audit API (real client, real handler, SigV4 verified)", () => {
  let auditor: MockedKmsAuditor;
  /** What the gateway does beyond verifying the signature: throttle or hang on some requests. */
  let gatewayBehaviour: ((req: IncomingMessage) => Promise<GatewayAnswer | undefined>) | undefined;
  const seen: { path: string; signed: boolean; body: unknown }[] = [];

  before(async () => {
    auditor = await startMockedKmsAuditor({
      gateway: async (req, body) => {
        const text = body.toString("utf8");
        const signed = await signatureValid(req, text, REGION);
        seen.push({ path: req.url ?? "", signed, body: JSON.parse(text || "null") });
        if (!signed) return { statusCode: 403, message: "The request signature we calculated does not match the signature you provided." };
        return gatewayBehaviour?.(req);
      },
    });
  });
  after(() => auditor.close());
  beforeEach(() => {
    seen.length = 0;
    gatewayBehaviour = undefined;
    auditor.kms.reset();
    auditor.sts.reset();
    auditor.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    auditor.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMetadata() });
    auditor.kms.on(GetKeyPolicyCommand).resolves({ Policy: DEFAULT_POLICY, PolicyName: "default" });
    auditor.kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    auditor.kms.on(ListAliasesCommand).resolves({ Aliases: [{ AliasName: "alias/app", TargetKeyId: KEY_ID }] });
    auditor.kms.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: "team", TagValue: "data" }] });
  });

  const client = (over: Partial<ConstructorParameters<typeof KmsAuditApiClient>[0]> = {}) =>
    new KmsAuditApiClient({ endpoint: auditor.server.url, region: REGION, credentials: TEST_CREDENTIALS, timeoutMs: 500, maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, ...over });

  it("builds every route's request from the contract, signed, and the handler accepts it", async () => {
    const c = client();
    expect((await c.health()).ok).to.equal(true);
    expect((await c.auditKey(KEY_ARN)).ok).to.equal(true);
    expect((await c.keyInfo(KEY_ARN)).ok).to.equal(true);
    expect(seen.map((s) => s.path)).to.deep.equal(KMS_AUDIT_ROUTE_NAMES.map((r) => `/${r}`));
    expect(seen.every((s) => s.signed)).to.equal(true);
    // The body the S3 auditor sends is exactly what the contract requires (the old client sent {"key_id"} only).
    expect(auditKeyRequest.safeParse(seen[1]!.body).success).to.equal(true);
    expect(seen[1]!.body).to.deep.equal({ action: "audit_key", key_id: KEY_ARN });
  });

  it("docs/kms-auditor.md quotes the /audit-key request schema exactly as the contract defines it", () => {
    const { readFileSync } = require("node:fs") as typeof import("node:fs");
    const { resolve } = require("node:path") as typeof import("node:path");
    const root = resolve(__dirname, "../../../..");
    const docs = readFileSync(resolve(root, "docs/kms-auditor.md"), "utf8");
    const quoted = /```ts\n(export const auditKeyRequest[\s\S]*?)\n```/.exec(docs)?.[1];
    expect(quoted, "the docs quote the schema").to.be.a("string");
    expect(readFileSync(resolve(root, "functions/shared/contracts/kms-audit-api.ts"), "utf8")).to.contain(quoted);
  });

  it("refuses a request signed with other credentials: 403 from the gateway, not a pass", async () => {
    const answer = await client({ credentials: { ...TEST_CREDENTIALS, secretAccessKey: "wrong" } }).auditKey(KEY_ARN);
    expect(answer).to.include({ ok: false, errorCode: "KmsAuditApiAccessDenied" });
  });

  describe("/health", () => {
    it("200: status, version, region and check ids", async () => {
      const answer = await client().health();
      expect(answer.ok && answer.value).to.deep.include({ status: "ok", version: "1.2.3-test", region: REGION });
    });
    it("5xx then timeout: retried, then an error code, never an answer", async () => {
      gatewayBehaviour = async () => ({ statusCode: 503, message: "Service Unavailable" });
      expect(await client().health()).to.include({ ok: false, errorCode: "KmsAuditApiError503" });
      expect(seen).to.have.length(2);
      gatewayBehaviour = () => new Promise((resolve) => setTimeout(() => resolve(undefined), 300));
      expect(await client({ timeoutMs: 100 }).health()).to.include({ ok: false, errorCode: "KmsAuditApiTimeout" });
    });
  });

  describe("/audit-key", () => {
    it("a key that passes: every result PASSED or NOT_APPLICABLE, parsed by the contract", async () => {
      const answer = await client().auditKey(KEY_ARN);
      if (!answer.ok) throw new Error(answer.errorCode);
      expect(answer.value).to.deep.include({ keyId: KEY_ID, keyArn: KEY_ARN, accountId: ACCOUNT });
      expect(answer.value.results.map((r) => r.status)).to.satisfy((s: string[]) => s.every((x) => x === "PASSED" || x === "NOT_APPLICABLE"));
      expect(auditKeyResponse.safeParse(answer.value).success).to.equal(true);
    });

    it("a key that fails: pending deletion is FAILED", async () => {
      auditor.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMetadata({ KeyState: "PendingDeletion", Enabled: false, DeletionDate: new Date("2026-02-01T00:00:00Z") }) });
      const answer = await client().auditKey(KEY_ARN);
      expect(answer.ok && answer.value.results.find((r) => r.checkId === "kms_key_not_pending_deletion")?.status).to.equal("FAILED");
    });

    it("a key the auditor may not read: 200 with NOT_AVAILABLE results carrying the AWS code", async () => {
      auditor.kms.on(DescribeKeyCommand).rejects(awsError("AccessDeniedException"));
      const answer = await client().auditKey(KEY_ARN);
      if (!answer.ok) throw new Error(answer.errorCode);
      expect(answer.value.results.every((r) => r.status === "NOT_AVAILABLE" && r.errorCode === "AccessDeniedException")).to.equal(true);
    });

    it("a key in another account: 200 with NOT_AVAILABLE CrossAccountKey results, no KMS call", async () => {
      const answer = await client().auditKey(`arn:aws:kms:${REGION}:999999999999:key/${KEY_ID}`);
      if (!answer.ok) throw new Error(answer.errorCode);
      expect(answer.value.results.every((r) => r.status === "NOT_AVAILABLE" && r.errorCode === "CrossAccountKey")).to.equal(true);
      expect(auditor.kms.calls()).to.have.length(0);
    });

    it("KMS throttling the auditor: NOT_AVAILABLE ThrottlingException, never PASSED", async () => {
      auditor.kms.on(GetKeyRotationStatusCommand).rejects(awsError("ThrottlingException"));
      const answer = await client().auditKey(KEY_ARN);
      expect(answer.ok && answer.value.results.find((r) => r.checkId === "kms_key_rotation_enabled")).to.include({ status: "NOT_AVAILABLE", errorCode: "ThrottlingException" });
    });

    it("the API throttled (429 from the gateway): retried, then KmsAuditApiThrottled", async () => {
      gatewayBehaviour = async () => ({ statusCode: 429, message: "Too Many Requests" });
      expect(await client().auditKey(KEY_ARN)).to.include({ ok: false, errorCode: "KmsAuditApiThrottled" });
      expect(seen).to.have.length(2);
    });

    it("a 429 once, then an answer: the retry succeeds", async () => {
      let n = 0;
      gatewayBehaviour = async () => (n++ === 0 ? { statusCode: 429, message: "Too Many Requests" } : undefined);
      expect((await client().auditKey(KEY_ARN)).ok).to.equal(true);
    });

    it("a timeout: KmsAuditApiTimeout", async () => {
      gatewayBehaviour = () => new Promise((resolve) => setTimeout(() => resolve(undefined), 300));
      expect(await client({ timeoutMs: 100 }).auditKey(KEY_ARN)).to.include({ ok: false, errorCode: "KmsAuditApiTimeout" });
    });

    it("4xx: a malformed key id answers 400 in the contract's error shape, and the client returns its code", async () => {
      const answer = await client().auditKey("not a key");
      expect(answer).to.include({ ok: false, errorCode: "InvalidKeyId" });
      expect(KMS_AUDIT_ERROR_CODES[400]).to.include("InvalidKeyId");
      const raw = await signedPost(`${auditor.server.url}/audit-key`, REGION, { action: "audit_key", key_id: "not a key" });
      expect(raw.status).to.equal(400);
      expect(errorResponse.safeParse(raw.json).success).to.equal(true);
    });

    it("honours Retry-After on a 429", async () => {
      let n = 0;
      gatewayBehaviour = async () => (n++ === 0 ? { statusCode: 429, message: "Too Many Requests", headers: { "retry-after": "0.01" } } : undefined);
      const sleeps: number[] = [];
      expect((await client({ maxDelayMs: 1000, sleep: async (ms) => void sleeps.push(ms) }).auditKey(KEY_ARN)).ok).to.equal(true);
      expect(sleeps).to.deep.equal([10]);
    });

    it("an answer that is not the contract's KeyAudit is KmsAuditApiInvalidResponse, not a pass", async () => {
      gatewayBehaviour = async () => ({ statusCode: 200, message: "not a key audit" });
      expect(await client().auditKey(KEY_ARN)).to.include({ ok: false, errorCode: "KmsAuditApiInvalidResponse" });
    });

    it("asks once per distinct key: duplicates, bare ids and aliases of one key cost one call", async () => {
      const api = client();
      const context = { partition: "aws", region: REGION, accountId: ACCOUNT };
      const alias = canonicalKeyRef("alias/data", context);
      const refs = [KEY_ARN, KEY_ARN, canonicalKeyRef(KEY_ID, context), alias];
      expect(refs[2]).to.equal(KEY_ARN);
      const results = await auditDistinctKeys(refs, (ref) => api.auditKey(ref), async (a) => (a === alias ? KEY_ARN : undefined));
      expect(seen.filter((s) => s.path === "/audit-key")).to.have.length(1);
      expect(results.get(alias)?.ok).to.equal(true);
    });

    it("404: a key that does not exist answers KeyNotFound", async () => {
      auditor.kms.on(DescribeKeyCommand).rejects(awsError("NotFoundException"));
      expect(await client().auditKey(KEY_ARN)).to.include({ ok: false, errorCode: "KeyNotFound" });
    });
  });

  describe("/key-info", () => {
    it("200: essentials, aliases, rotation and tags", async () => {
      const answer = await client().keyInfo(KEY_ARN);
      if (!answer.ok) throw new Error(answer.errorCode);
      expect(answer.value).to.deep.include({ keyId: KEY_ID, keyArn: KEY_ARN, aliases: ["alias/app"], tags: { team: "data" } });
    });
    it("403: a key of another account, in the error shape", async () => {
      expect(await client().keyInfo(`arn:aws:kms:${REGION}:999999999999:key/${KEY_ID}`)).to.include({ ok: false, errorCode: "CrossAccountKey" });
    });
    it("5xx: DescribeKey denied answers 502 with the AWS code (retried as a server error)", async () => {
      auditor.kms.on(DescribeKeyCommand).rejects(awsError("AccessDeniedException"));
      expect(await client().keyInfo(KEY_ARN)).to.include({ ok: false, errorCode: "AccessDeniedException" });
      expect(seen).to.have.length(2);
    });
    it("timeout: KmsAuditApiTimeout", async () => {
      gatewayBehaviour = () => new Promise((resolve) => setTimeout(() => resolve(undefined), 300));
      expect(await client({ timeoutMs: 100 }).keyInfo(KEY_ARN)).to.include({ ok: false, errorCode: "KmsAuditApiTimeout" });
    });
  });
});
