/**
 * End-to-end test of the CSPM subsystem (issue 9): the REAL S3 auditor handler calls the REAL KMS
 * auditor handler, served locally behind SigV4 verification, through its real client. AWS APIs are
 * aws-sdk-client-mock, Security Hub an in-memory stand-in with its update rules, MongoDB the
 * wire-protocol server. Buckets with a good key, a disabled key, a key pending deletion, a key in
 * another account and an unreadable key give the right findings in both sinks; a second run
 * resolves what was fixed. Every customer-managed key the region lists (one a bucket does not use
 * included) gets AwsKmsKey findings, each key asked once per run; a deleted key's findings are
 * archived by the next scheduled run, never by a change-driven one.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, ListAliasesCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import { GetBucketEncryptionCommand, GetBucketOwnershipControlsCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { MongoClient, type Document } from "mongodb";
import { KMS_CHECKS } from "../../../functions/shared/cspm/kms/checks/registry";
import { KMS_KEY_CHECKS, KMS_KEY_USABLE } from "../../../functions/shared/cspm/s3/key-findings";
import { startMongoWireServer, type MongoWireServer } from "../../support/mongo-wire-server";
import { sigv4Gateway, TEST_CREDENTIALS } from "../../support/sigv4";
import { DEFAULT_POLICY, keyMetadata } from "../kms-auditor/fixtures";
import { startMockedKmsAuditor, type MockedKmsAuditor } from "../kms-auditor/local-server";

const ACCOUNT = "111111111111"; // the KMS auditor's fixture account
const REGION = "eu-west-1";
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:cspm/mongodb-AbCdEf`;
const keyArn = (n: number, account = ACCOUNT) => `arn:aws:kms:${REGION}:${account}:key/${String(n).repeat(8)}-1111-2222-3333-444444444444`;
const KEYS = { good: keyArn(1), disabled: keyArn(2), pending: keyArn(3), foreign: keyArn(4, "999999999999"), unreadable: keyArn(5) };
type Bucket = keyof typeof KEYS;
/** Keys no bucket uses: a customer-managed one (deleted before the second run) and an AWS-managed one. */
const ORPHAN = keyArn(6);
const AWS_MANAGED = keyArn(7);
const BUCKETS = Object.keys(KEYS) as Bucket[];
const ENV_KEYS = ["AWS_REGION", "KMS_AUDIT_API_URL", "AUDIT_REGIONS", "MONGODB_SECRET_ARN", "MONGODB_DATABASE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_DISABLED"] as const;

const awsError = (name: string, status = 400) => Object.assign(new Error(`${name} from the mock`), { name, $fault: "client", $metadata: { httpStatusCode: status } });

describe("CSPM end to end: real S3 auditor -> real KMS auditor (SigV4) -> Security Hub and MongoDB", function () {
  this.timeout(60000);
  let kmsAuditor: MockedKmsAuditor;
  let wire: MongoWireServer;
  let reader: MongoClient;
  let database: string;
  let savedEnv: Record<string, string | undefined>;
  let stubs: { restore(): void }[];
  let handler: (event: unknown) => Promise<any>;
  const hub = new Map<string, AwsSecurityFinding>();
  /** MongoDB clients the handler opens, closed after the run (an open client keeps mocha alive). */
  const connected = new Set<MongoClient>();
  const realConnect = MongoClient.prototype.connect;
  const resolved: string[] = [];
  /** What KMS says about each key (changed between the runs). */
  const keyState: Record<string, "Enabled" | "Disabled" | "PendingDeletion" | "Denied"> = {};
  /** What ListKeys returns in the audited region (the foreign key lives in another account). */
  let listedKeys = [KEYS.good, KEYS.disabled, KEYS.pending, KEYS.unreadable, ORPHAN, AWS_MANAGED];

  before(async () => {
    kmsAuditor = await startMockedKmsAuditor({ gateway: sigv4Gateway(REGION) });
    wire = await startMongoWireServer();
    reader = new MongoClient(wire.uri, { serverSelectionTimeoutMS: 2000 });
    database = `cspm_e2e_${randomUUID().slice(0, 8)}`;

    // KMS as the KMS auditor (and the S3 auditor's alias resolver) sees it.
    const { kms, sts } = kmsAuditor;
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/auditor/x` });
    kms.on(ListAliasesCommand).resolves({ Aliases: [] });
    // Two pages, so the listing follows the marker.
    kms.on(ListKeysCommand).callsFake((input: { Marker?: string }) => {
      const page = input.Marker ? listedKeys.slice(3) : listedKeys.slice(0, 3);
      return { Keys: page.map((KeyArn) => ({ KeyArn, KeyId: KeyArn.split("/")[1] })), Truncated: !input.Marker, ...(input.Marker ? {} : { NextMarker: "page-2" }) };
    });
    kms.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => {
      const state = keyState[input.KeyId] ?? "Enabled";
      if (state === "Denied") throw awsError("AccessDeniedException");
      const id = input.KeyId.split("/")[1]!;
      return { KeyMetadata: keyMetadata({ KeyId: id, Arn: input.KeyId, KeyState: state, Enabled: state === "Enabled", ...(input.KeyId === AWS_MANAGED ? { KeyManager: "AWS" } : {}), ...(state === "PendingDeletion" ? { DeletionDate: new Date("2030-01-01T00:00:00Z") } : {}) }) };
    });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: DEFAULT_POLICY, PolicyName: "default" });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });

    // S3: five buckets, each encrypted with its own key, otherwise well configured.
    const s3 = mockClient(S3Client);
    s3.onAnyCommand().resolves({});
    s3.on(ListBucketsCommand).resolves({ Buckets: BUCKETS.map((Name) => ({ Name, BucketRegion: REGION })) });
    s3.on(GetBucketPolicyCommand).rejects(awsError("NoSuchBucketPolicy", 404));
    s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
    s3.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } });
    s3.on(GetBucketEncryptionCommand).callsFake((input: { Bucket: Bucket }) => ({
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEYS[input.Bucket] }, BucketKeyEnabled: true }] },
    }));
    const control = mockClient(S3ControlClient);
    control.on(GetAccountPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: wire.uri });

    // Security Hub: imports ignored unless UpdatedAt is newer; Workflow kept across imports.
    const securityHub = mockClient(SecurityHubClient);
    securityHub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => {
      for (const f of input.Findings) {
        const existing = hub.get(f.Id!);
        if (!existing || Date.parse(f.UpdatedAt!) > Date.parse(existing.UpdatedAt!)) hub.set(f.Id!, { ...f, Workflow: existing?.Workflow ?? { Status: "NEW" } });
      }
      return { SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] };
    });
    securityHub.on(BatchUpdateFindingsCommand).callsFake((input: { FindingIdentifiers: { Id: string }[] }) => {
      for (const { Id } of input.FindingIdentifiers) {
        resolved.push(Id);
        hub.get(Id)!.Workflow = { Status: "RESOLVED" };
      }
      return { ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] };
    });
    securityHub.on(GetFindingsCommand).callsFake((input: { Filters: { Id?: { Value: string }[]; ResourceId?: { Value: string }[]; ProductFields?: unknown[] } }) => {
      const ids = input.Filters.Id && new Set(input.Filters.Id.map((f) => f.Value));
      const resources = input.Filters.ResourceId && new Set(input.Filters.ResourceId.map((f) => f.Value));
      if (input.Filters.ProductFields) return { Findings: [] };
      return { Findings: [...hub.values()].filter((f) => (!ids || ids.has(f.Id!)) && (!resources || resources.has(f.Resources![0]!.Id!))) };
    });
    stubs = [s3, control, secrets, securityHub];

    savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
    for (const k of ENV_KEYS) delete process.env[k];
    Object.assign(process.env, {
      AWS_REGION: REGION,
      KMS_AUDIT_API_URL: kmsAuditor.server.url,
      AUDIT_REGIONS: REGION,
      MONGODB_SECRET_ARN: SECRET_ARN,
      MONGODB_DATABASE: database,
      // The S3 auditor signs with these; the local gateway verifies the signature with the same.
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken,
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    MongoClient.prototype.connect = function (this: MongoClient) {
      connected.add(this);
      return realConnect.call(this);
    };
    // A fresh module: the handler reads this environment and builds its clients at load.
    const path = require.resolve("../../../functions/s3-auditor/handler");
    delete require.cache[path];
    ({ handler } = require(path) as { handler: (event: unknown) => Promise<any> });
  });

  after(async () => {
    // Other files load the handler with their own environment.
    delete require.cache[require.resolve("../../../functions/s3-auditor/handler")];
    MongoClient.prototype.connect = realConnect;
    for (const client of connected) await client.close(true).catch(() => undefined);
    for (const s of stubs ?? []) s.restore();
    await kmsAuditor?.close();
    for (const k of ENV_KEYS) {
      if (savedEnv?.[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
    await reader?.close(true).catch(() => undefined);
    await wire?.stop();
  });

  const finding = (bucket: Bucket, check: string) => hub.get(`arn:aws:s3:::${bucket}/${check}`);
  const keyFindings = (arn: string) => [...hub.values()].filter((f) => f.Resources?.[0]?.Id === arn);
  const describedKeys = () => kmsAuditor.kms.commandCalls(DescribeKeyCommand).map((c) => (c.args[0].input as { KeyId: string }).KeyId);
  const stored = async (bucket: Bucket, check: string) => (await reader.db(database).collection<Document>("findings").findOne({ _id: `arn:aws:s3:::${bucket}/${check}` } as Document)) ?? undefined;

  it("first run: each key's state becomes the bucket's key findings in Security Hub and MongoDB; unreadable keys are NOT_AVAILABLE and the run is degraded", async () => {
    Object.assign(keyState, { [KEYS.disabled]: "Disabled", [KEYS.pending]: "PendingDeletion", [KEYS.unreadable]: "Denied" });
    kmsAuditor.kms.resetHistory();
    const answer = await handler({ "detail-type": "Scheduled Event", source: "aws.events" });

    const expected: Record<Bucket, [string, string]> = {
      good: ["PASSED", "PASSED"],
      disabled: ["FAILED", "FAILED"],
      pending: ["FAILED", "FAILED"],
      foreign: ["NOT_AVAILABLE", "NOT_AVAILABLE"],
      unreadable: ["NOT_AVAILABLE", "NOT_AVAILABLE"],
    };
    for (const bucket of BUCKETS) {
      const usable = finding(bucket, KMS_KEY_USABLE.id)!;
      const checks = finding(bucket, KMS_KEY_CHECKS.id)!;
      expect([usable.Compliance?.Status, checks.Compliance?.Status], bucket).to.deep.equal(expected[bucket]);
      expect((await stored(bucket, KMS_KEY_USABLE.id))?.status, `${bucket} in MongoDB`).to.equal(expected[bucket][0]);
      expect(usable.Resources!.map((r) => r.Type)).to.deep.equal(["AwsS3Bucket", "AwsKmsKey"]);
    }
    expect(finding("pending", KMS_KEY_USABLE.id)!.Severity?.Label).to.equal("CRITICAL");
    expect(finding("foreign", KMS_KEY_USABLE.id)!.ProductFields?.["cspm/errorCode"]).to.equal("CrossAccountKey");
    expect(finding("unreadable", KMS_KEY_USABLE.id)!.ProductFields?.["cspm/errorCode"]).to.equal("AccessDeniedException");
    expect(finding("good", KMS_KEY_USABLE.id)!.ProductFields).to.not.have.property("cspm/control");
    expect(answer.status).to.equal("degraded");
    expect(answer.failedKeys).to.deep.equal([KEYS.foreign, KEYS.unreadable].sort());
    // Five bucket keys and the two keys no bucket uses, each asked once.
    expect(answer.counts).to.include({ kmsApiCalls: 7, kmsUnavailable: 2, inventoryKeys: 5 });
    expect(describedKeys().sort()).to.deep.equal([...new Set(describedKeys())].sort());
    // The foreign key is refused by the KMS auditor before KMS is asked.
    expect(new Set(describedKeys())).to.have.property("size", 6);
    const run = await reader.db(database).collection<Document>("audit_runs").findOne({ _id: answer.runId } as Document);
    expect(run).to.deep.include({ status: "degraded", failedKeys: [KEYS.foreign, KEYS.unreadable].sort() });
  });

  it("first run: every customer-managed key of the region is a resource of its own (KMS.3, KMS.4, KMS.5 and the platform's checks)", async () => {
    const orphan = keyFindings(ORPHAN);
    // Every check but imported material expiry (NOT_APPLICABLE to KMS-generated material: nothing to send).
    expect(orphan.map((f) => f.GeneratorId).sort()).to.deep.equal(KMS_CHECKS.map((c) => c.metadata.id).filter((id) => id !== "kms_key_imported_material_expiry").sort());
    for (const f of orphan) expect(f.Resources!.map((r) => [r.Type, r.Region])).to.deep.equal([["AwsKmsKey", REGION]]);
    expect(orphan.map((f) => f.ProductFields?.["cspm/control"]).filter(Boolean).sort()).to.deep.equal(["KMS.3", "KMS.4", "KMS.5"]);
    expect(keyFindings(AWS_MANAGED)).to.deep.equal([]);
    expect(keyFindings(KEYS.foreign)).to.deep.equal([]); // not listed: another account's key
    const pending = keyFindings(KEYS.pending).find((f) => f.ProductFields?.["cspm/control"] === "KMS.3")!;
    expect(pending.Compliance?.Status).to.equal("FAILED");
    // Not fully readable: never PASSED.
    const unreadable = keyFindings(KEYS.unreadable).map((f) => f.Compliance?.Status);
    expect(unreadable).to.include("NOT_AVAILABLE").and.not.include("PASSED");
    const doc = await reader.db(database).collection<Document>("findings").findOne({ _id: `${ORPHAN}/${KMS_CHECKS[0]!.metadata.id}` } as Document);
    expect(doc).to.deep.include({ resourceType: "AwsKmsKey", recordState: "ACTIVE" });
  });

  it("second run: the fixed keys pass and their findings are resolved; the foreign key stays NOT_AVAILABLE", async () => {
    Object.assign(keyState, { [KEYS.disabled]: "Enabled", [KEYS.pending]: "Enabled", [KEYS.unreadable]: "Enabled" });
    resolved.length = 0;
    const orphanCreated = keyFindings(ORPHAN).map((f) => f.CreatedAt);
    listedKeys = listedKeys.filter((k) => k !== ORPHAN); // the key was deleted
    const answer = await handler({ "detail-type": "Scheduled Event", source: "aws.events" });

    // The deleted key's findings are archived (same Id and CreatedAt); the fixed key's KMS.3 is resolved.
    expect(keyFindings(ORPHAN).map((f) => f.RecordState)).to.deep.equal(orphanCreated.map(() => "ARCHIVED"));
    expect(keyFindings(ORPHAN).map((f) => f.CreatedAt)).to.deep.equal(orphanCreated);
    const pendingKms3 = keyFindings(KEYS.pending).find((f) => f.ProductFields?.["cspm/control"] === "KMS.3")!;
    expect([pendingKms3.Compliance?.Status, pendingKms3.Workflow?.Status]).to.deep.equal(["PASSED", "RESOLVED"]);

    for (const bucket of ["disabled", "pending", "unreadable"] as Bucket[]) {
      const usable = finding(bucket, KMS_KEY_USABLE.id)!;
      expect(usable.Compliance?.Status, bucket).to.equal("PASSED");
      expect(usable.Workflow?.Status, bucket).to.equal("RESOLVED");
      expect(resolved, bucket).to.include(usable.Id);
      expect((await stored(bucket, KMS_KEY_USABLE.id))?.status).to.equal("PASSED");
    }
    expect(finding("foreign", KMS_KEY_USABLE.id)!.Compliance?.Status).to.equal("NOT_AVAILABLE");
    expect(resolved).to.not.include(finding("good", KMS_KEY_USABLE.id)!.Id); // passed before: nothing to resolve
    expect(answer.status).to.equal("degraded");
    expect(answer.failedKeys).to.deep.equal([KEYS.foreign]);
  });

  it("a burst of queued bucket changes: one audit of the distinct buckets, unreadable records reported back", async () => {
    const change = (bucket: Bucket, eventName = "PutBucketPolicy") =>
      JSON.stringify({ "detail-type": "AWS API Call via CloudTrail", source: "aws.s3", detail: { eventSource: "s3.amazonaws.com", eventName, requestParameters: { bucketName: bucket } } });
    const record = (messageId: string, body: string) => ({ messageId, receiptHandle: "r", body, attributes: {}, messageAttributes: {}, eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:eu-west-1:111111111111:q", awsRegion: REGION });
    keyState[KEYS.good] = "Disabled";
    const activeKeyFindings = [...hub.values()].filter((f) => f.Resources?.[0]?.Type === "AwsKmsKey" && f.RecordState !== "ARCHIVED").map((f) => f.Id);
    expect(activeKeyFindings).to.not.be.empty;
    kmsAuditor.kms.resetHistory();
    const answer = await handler({ Records: [record("1", change("good")), record("2", change("good", "PutBucketAcl")), record("3", change("disabled")), record("4", "{not json")] });
    expect(answer).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "4" }] });
    expect(finding("good", KMS_KEY_USABLE.id)!.Compliance?.Status).to.equal("FAILED");
    const run = await reader.db(database).collection<Document>("audit_runs").find({ trigger: "cloudtrail" } as Document).toArray();
    expect(run).to.have.length(1);
    expect(run[0]!.scope).to.deep.equal({ buckets: ["disabled", "good"] });
    // A change-driven run lists no keys and archives no key finding.
    expect(kmsAuditor.kms.commandCalls(ListKeysCommand)).to.have.length(0);
    expect(activeKeyFindings.filter((id) => hub.get(id!)!.RecordState === "ARCHIVED")).to.deep.equal([]);
  });
});
