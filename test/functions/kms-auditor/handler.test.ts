import { expect } from "chai";
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
} from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { ACCOUNT, DEFAULT_POLICY, KEY_ARN, KEY_ID, keyMetadata, policyOf, PRIMARY_ARN, REGION, replicaMetadata, ROOT_STATEMENT } from "./fixtures";
import { startMockedKmsAuditor, type MockedKmsAuditor } from "./local-server";

const awsError = (name: string) => Object.assign(new Error(`${name} from the mock`), { name, $fault: "client", $metadata: {} });
const status = (json: any, checkId: string) => (json.results as { checkId: string; status: string; errorCode?: string }[]).find((r) => r.checkId === checkId);

describe("kms-auditor handler through the local server", () => {
  let auditor: MockedKmsAuditor;
  let kms: MockedKmsAuditor["kms"];
  let sts: MockedKmsAuditor["sts"];
  let server: MockedKmsAuditor["server"];

  before(async () => {
    auditor = await startMockedKmsAuditor();
    ({ kms, sts, server } = auditor);
  });
  after(() => auditor.close());
  beforeEach(() => {
    kms.reset();
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMetadata() });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: DEFAULT_POLICY, PolicyName: "default" });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
  });

  it("POST /health answers status, version, region and check ids", async () => {
    const answer = await server.post("/health", {});
    expect(answer.status).to.equal(200);
    expect(answer.json).to.deep.include({ status: "ok", version: "1.2.3-test", region: REGION });
    expect(answer.json.checks).to.include.members(["kms_key_rotation_enabled", "kms_key_policy_not_public", "kms_key_imported_material_expiry"]).and.have.length(8);
  });

  it("POST /audit-key audits an alias with 3 KMS calls and one result per check", async () => {
    const answer = await server.post("/audit-key", { action: "audit_key", key_id: "alias/app", additional_params: {} });

    expect(answer.status).to.equal(200);
    expect(answer.json).to.deep.include({ keyId: KEY_ID, keyArn: KEY_ARN, region: REGION, accountId: ACCOUNT });
    expect(answer.json.facts).to.deep.include({ keyState: "Enabled", keyManager: "CUSTOMER", rotationEnabled: true, rotationPeriodInDays: 365 });
    expect(answer.json.results).to.have.length(8);
    expect(status(answer.json, "kms_key_rotation_enabled")?.status).to.equal("PASSED");
    expect(status(answer.json, "kms_key_policy_not_public")?.status).to.equal("PASSED");
    expect(kms.commandCalls(DescribeKeyCommand)[0]!.args[0].input).to.deep.equal({ KeyId: "alias/app" });
    expect(kms.calls()).to.have.length(3);
    expect(sts.calls()).to.have.length(0);
  });

  it("asks for no rotation status where rotation does not apply (2 calls)", async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMetadata({ KeySpec: "RSA_4096", KeyUsage: "SIGN_VERIFY" }) });
    const answer = await server.post("/audit-key", { action: "audit_key", key_id: KEY_ID });
    expect(status(answer.json, "kms_key_rotation_enabled")?.status).to.equal("NOT_APPLICABLE");
    expect(kms.calls()).to.have.length(2);
  });

  it("reads a replica's rotation from its primary, in the primary's region", async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: replicaMetadata() });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: false });
    const answer = await server.post("/audit-key", { action: "audit_key", key_id: "mrk-1234abcd12ab34cd56ef1234567890ab" });

    const rotationCall = kms.commandCalls(GetKeyRotationStatusCommand)[0]!;
    expect(rotationCall.args[0].input).to.deep.equal({ KeyId: PRIMARY_ARN });
    expect(await (rotationCall.thisValue as KMSClient).config.region()).to.equal("us-east-1");
    expect(status(answer.json, "kms_key_rotation_enabled")?.status).to.equal("FAILED");
  });

  it("turns AccessDenied and throttling into NOT_AVAILABLE with the code, never PASSED", async () => {
    kms.on(GetKeyPolicyCommand).rejects(awsError("AccessDeniedException"));
    kms.on(GetKeyRotationStatusCommand).rejects(awsError("ThrottlingException"));
    const answer = await server.post("/audit-key", { action: "audit_key", key_id: KEY_ARN });

    expect(answer.status).to.equal(200);
    for (const id of ["kms_key_policy_not_public", "kms_key_cross_account_access", "kms_key_no_wildcard_kms_actions"]) {
      expect(status(answer.json, id), id).to.include({ status: "NOT_AVAILABLE", errorCode: "AccessDeniedException" });
    }
    expect(status(answer.json, "kms_key_rotation_enabled")).to.include({ status: "NOT_AVAILABLE", errorCode: "ThrottlingException" });
    expect(status(answer.json, "kms_key_enabled")?.status).to.equal("PASSED");
  });

  it("answers every check NOT_AVAILABLE when DescribeKey is denied", async () => {
    kms.on(DescribeKeyCommand).rejects(awsError("AccessDeniedException"));
    const answer = await server.post("/audit-key", { action: "audit_key", key_id: "alias/app" });
    expect(answer.status).to.equal(200);
    expect(new Set(answer.json.results.map((r: { status: string }) => r.status))).to.deep.equal(new Set(["NOT_AVAILABLE"]));
    expect(kms.calls()).to.have.length(1);
  });

  it("refuses a key of another account without calling KMS", async () => {
    const foreign = `arn:aws:kms:${REGION}:999999999999:key/${KEY_ID}`;
    const byArn = await server.post("/audit-key", { action: "audit_key", key_id: foreign });
    const byAccount = await server.post("/audit-key", { action: "audit_key", key_id: "alias/app", account_id: "999999999999" });

    for (const answer of [byArn, byAccount]) {
      expect(answer.status).to.equal(200);
      expect(answer.json.results.every((r: { status: string; errorCode: string }) => r.status === "NOT_AVAILABLE" && r.errorCode === "CrossAccountKey")).to.equal(true);
    }
    expect(kms.calls()).to.have.length(0);
  });

  it("flags a public key policy", async () => {
    kms.on(GetKeyPolicyCommand).resolves({ Policy: policyOf(ROOT_STATEMENT, { Sid: "Open", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }) });
    const answer = await server.post("/audit-key", { action: "audit_key", key_id: KEY_ID });
    expect(status(answer.json, "kms_key_policy_not_public")?.status).to.equal("FAILED");
  });

  it("POST /key-info answers essentials, aliases, rotation and tags", async () => {
    kms.on(ListAliasesCommand).resolves({ Aliases: [{ AliasName: "alias/b", TargetKeyId: KEY_ID }, { AliasName: "alias/a", TargetKeyId: KEY_ID }] });
    kms.on(ListResourceTagsCommand).resolves({ Tags: [{ TagKey: "team", TagValue: "sec" }] });
    const answer = await server.post("/key-info", { action: "get_key_info", key_id: KEY_ID, region: REGION });

    expect(answer.status).to.equal(200);
    expect(answer.json).to.deep.include({ keyId: KEY_ID, keyState: "Enabled", aliases: ["alias/a", "alias/b"], tags: { team: "sec" } });
    expect(answer.json.rotation).to.deep.include({ applicable: true, enabled: true, periodInDays: 365 });
    expect(kms.commandCalls(ListAliasesCommand)[0]!.args[0].input).to.include({ KeyId: KEY_ID });
  });

  it("POST /key-info answers 502 with the AWS code when DescribeKey is denied, 404 for a missing key", async () => {
    kms.on(DescribeKeyCommand).rejects(awsError("AccessDeniedException"));
    const denied = await server.post("/key-info", { action: "get_key_info", key_id: KEY_ID });
    kms.on(DescribeKeyCommand).rejects(awsError("NotFoundException"));
    const missing = await server.post("/key-info", { action: "get_key_info", key_id: KEY_ID });

    expect([denied.status, denied.json.error.code]).to.deep.equal([502, "AccessDeniedException"]);
    expect([missing.status, missing.json.error.code]).to.deep.equal([404, "KeyNotFound"]);
  });

  it("POST /key-info refuses a key of another account with 403", async () => {
    const answer = await server.post("/key-info", { action: "get_key_info", key_id: `arn:aws:kms:${REGION}:999999999999:key/${KEY_ID}` });
    expect([answer.status, answer.json.error.code]).to.deep.equal([403, "CrossAccountKey"]);
    expect(kms.calls()).to.have.length(0);
  });

  describe("bad input", () => {
    const cases: [string, string, unknown, number, string][] = [
      ["malformed JSON", "/audit-key", '{"action":', 400, "InvalidJson"],
      ["an empty body", "/audit-key", "", 400, "InvalidJson"],
      ["a missing key_id", "/audit-key", { action: "audit_key" }, 400, "InvalidRequest"],
      ["a malformed key_id", "/audit-key", { action: "audit_key", key_id: "key/../etc" }, 400, "InvalidKeyId"],
      ["a malformed region", "/audit-key", { action: "audit_key", key_id: KEY_ID, region: "mars-1" }, 400, "InvalidRequest"],
      ["a region that contradicts the ARN", "/audit-key", { action: "audit_key", key_id: KEY_ARN, region: "us-east-1" }, 400, "RegionMismatch"],
      ["the wrong action", "/audit-key", { action: "get_key_info", key_id: KEY_ID }, 400, "InvalidRequest"],
      ["an unknown field", "/key-info", { action: "get_key_info", key_id: KEY_ID, keyid: "x" }, 400, "InvalidRequest"],
      ["an array body", "/health", [], 400, "InvalidRequest"],
      ["an unknown route", "/delete-key", {}, 404, "RouteNotFound"],
      ["a body over 64 KB", "/audit-key", { action: "audit_key", key_id: KEY_ID, pad: "x".repeat(70_000) }, 413, "PayloadTooLarge"],
    ];
    for (const [what, path, body, statusCode, code] of cases) {
      it(`answers ${statusCode} ${code} for ${what}`, async () => {
        const answer = await server.post(path, body);
        expect(answer.status).to.equal(statusCode);
        expect(answer.json.error.code).to.equal(code);
        expect(answer.json.error.message).to.be.a("string").and.not.match(/\n\s+at /);
        expect(answer.json.requestId).to.be.a("string").with.length.greaterThan(0);
      });
    }

    it("answers 405 with Allow for another method", async () => {
      const answer = await server.post("/audit-key", undefined, { method: "GET", body: null });
      expect(answer.status).to.equal(405);
      expect(answer.headers.get("allow")).to.equal("POST");
      expect(answer.json.error.code).to.equal("MethodNotAllowed");
    });

    it("names the offending field in a validation message", async () => {
      const answer = await server.post("/audit-key", { action: "audit_key", key_id: KEY_ID, account_id: "12" });
      expect(answer.json.error.message).to.contain("account_id").and.contain("12-digit");
    });
  });
});
