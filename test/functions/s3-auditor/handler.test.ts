/**
 * End-to-end wiring of the S3 auditor's Lambda handler: the real module, loaded with its
 * environment, its real SDK clients stubbed at the class level, a real HTTP server standing in for
 * the KMS audit API (SigV4 checked), and MongoDB through the real driver (the in-memory wire server,
 * or MONGODB_URI when set) behind a TCP proxy so it can go away.
 *
 * AWS answers come from the snapshot fixtures (snapshot-fixture.ts) through SnapshotReplayer, so a
 * call the handler should not make fails loudly with SnapshotMiss.
 */
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { mockClient } from "aws-sdk-client-mock";
import { KMSClient, ListAliasesCommand } from "@aws-sdk/client-kms";
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { MongoClient, type Document } from "mongodb";
import type { KeyAudit } from "../../../functions/shared/cspm/audit-types";
import { SnapshotReplayer, encode, type SendingClient, type Snapshot } from "../../../functions/shared/cspm/snapshot";
import { buildSnapshot, fixtureAccount, type AccountSpec } from "./snapshot-fixture";
import { startMongoWireServer, startTcpProxy, type MongoWireServer } from "../../support/mongo-wire-server";

type HandlerModule = typeof import("../../../functions/s3-auditor/handler");

const ACCOUNT = "111122223333";
const HOME = "us-east-1"; // AWS_REGION: ListBuckets/STS/S3 Control, Security Hub, and the API's signing region
const BUCKET_REGION = "eu-west-1";
const SECRET_ARN = `arn:aws:secretsmanager:${HOME}:${ACCOUNT}:secret:cspm/mongodb-AbCdEf`;
const ALIAS_ARN = `arn:aws:kms:${BUCKET_REGION}:${ACCOUNT}:alias/b1-data`;
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN = `arn:aws:kms:${BUCKET_REGION}:${ACCOUNT}:key/${KEY_ID}`;
const PRODUCT_ARN = `arn:aws:securityhub:${HOME}:${ACCOUNT}:product/${ACCOUNT}/default`;
const CREDENTIALS = { accessKeyId: "AKIDHANDLERTEST", secretAccessKey: "handler/test/secret/key/EXAMPLEKEY", sessionToken: "handler-session-token" };
const B1 = "arn:aws:s3:::b1";
const B2 = "arn:aws:s3:::b2";

/** b1: well configured, default encryption with a KMS alias. b2: the fixture's public bucket. */
function account(withB2 = true): AccountSpec {
  const fixture = fixtureAccount();
  const publicSite = fixture.buckets.find((b) => b.name === "public-site")!;
  const b2Answers = JSON.parse(JSON.stringify(publicSite.answers).replaceAll("public-site", "b2"));
  const b1Encryption = { output: { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: ALIAS_ARN }, BucketKeyEnabled: true }] } } };
  return {
    accountId: ACCOUNT,
    homeRegion: HOME,
    accountPublicAccessBlock: fixture.accountPublicAccessBlock, // none: b2's grants stay public
    buckets: [{ name: "b1", region: BUCKET_REGION, answers: { GetBucketEncryption: b1Encryption } }, ...(withB2 ? [{ name: "b2", region: BUCKET_REGION, answers: b2Answers }] : [])],
  };
}

/** The account after b2 was deleted: its prefix listing comes back empty. */
function afterDeletingB2(): Snapshot {
  const snapshot = buildSnapshot(account(false));
  const emptyListing = { service: "s3", region: HOME, operation: "ListBuckets", input: encode({ MaxBuckets: 1000, Prefix: "b2" }), output: encode({ Buckets: [], Prefix: "b2" }) };
  return { ...snapshot, calls: [...snapshot.calls, emptyListing] };
}

const S3_COMMANDS = [
  ListBucketsCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketAclCommand,
  GetPublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketVersioningCommand,
  GetBucketLoggingCommand,
  GetObjectLockConfigurationCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketReplicationCommand,
  GetBucketNotificationConfigurationCommand,
];

// Created in before(): two files stubbing the same client class at load time would replace each other's stubs.
const mocks = () => ({
  s3: mockClient(S3Client),
  s3Control: mockClient(S3ControlClient),
  sts: mockClient(STSClient),
  secrets: mockClient(SecretsManagerClient),
  securityHub: mockClient(SecurityHubClient),
  kms: mockClient(KMSClient),
});

/** Checks the SigV4 Authorization header by signing the received request again (as kms-api-client.test.ts does). */
async function signatureValid(req: IncomingMessage, body: string): Promise<boolean> {
  const auth = req.headers.authorization ?? "";
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match || match[1] !== CREDENTIALS.accessKeyId || match[3] !== HOME || match[4] !== "execute-api") return false;
  const headers: Record<string, string> = {};
  for (const name of match[5]!.split(";")) headers[name] = String(req.headers[name]);
  if (!headers.host || !headers["x-amz-date"]) return false;
  const [hostname, port] = headers.host.split(":");
  const request = new HttpRequest({ method: req.method!, protocol: "http:", hostname, port: Number(port), path: req.url!.split("?")[0], headers, body });
  const d = headers["x-amz-date"];
  const signingDate = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);
  const expected = await new SignatureV4({ service: "execute-api", region: HOME, credentials: CREDENTIALS, sha256: Sha256 }).sign(request, { signingDate });
  return expected.headers.authorization === auth && req.headers["x-amz-security-token"] === CREDENTIALS.sessionToken;
}

/** The KMS audit API's answer: the key is usable, but rotation is off. */
function keyAudit(keyArn: string): KeyAudit {
  return {
    keyId: keyArn.split("/")[1]!,
    keyArn,
    region: BUCKET_REGION,
    accountId: ACCOUNT,
    facts: { keyState: "Enabled", keyManager: "CUSTOMER" },
    results: [
      { checkId: "kms_key_enabled", status: "PASSED", reason: "enabled" },
      { checkId: "kms_key_rotation_enabled", status: "FAILED", severity: "MEDIUM", reason: "rotation is off" },
    ],
  };
}

const ENV_KEYS = [
  "AWS_REGION",
  "KMS_AUDIT_API_URL",
  "AUDIT_REGIONS",
  "MONGODB_SECRET_ARN",
  "MONGODB_DATABASE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
  "SECURITY_HUB_REGION",
  "OPA_URL",
  "OPA_POLICY_PATH",
  "AUDIT_CONCURRENCY",
  "FINDINGS_REFRESH_DAYS",
  // The logger's level and format (another test file silences Powertools for the whole run).
  "POWERTOOLS_LOG_LEVEL",
  "AWS_LAMBDA_LOG_LEVEL",
  "LOG_LEVEL",
  "POWERTOOLS_DEV",
  // Another file's real handlers turn metrics off for the process; this file reads the EMF lines.
  "POWERTOOLS_METRICS_DISABLED",
  "POWERTOOLS_METRICS_NAMESPACE",
  "POWERTOOLS_SERVICE_NAME",
] as const;

describe("s3-auditor handler (real module, stubbed AWS, local KMS API and MongoDB)", function () {
  let savedEnv: Record<string, string | undefined>;
  let m: ReturnType<typeof mocks>;
  let handler: HandlerModule["handler"];
  let loadHandlerConfig: HandlerModule["loadHandlerConfig"];
  let api: Server;
  let apiRequests: { path: string; keyId: string; signed: boolean }[];
  let wire: MongoWireServer | undefined;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let reader: MongoClient;
  let database: string;
  let replayer: SnapshotReplayer;
  /** Findings of each BatchImportFindings call, and Security Hub's current view by Id. */
  let imports: AwsSecurityFinding[][];
  const hub = new Map<string, AwsSecurityFinding>();
  let captured: string[];
  let firstRun: { runId: string; ids: string[]; sent: Map<string, AwsSecurityFinding> };
  // The handler keeps its MongoClient for the container and has no close hook: note every client that
  // connects, so after() can close them (an open client's monitor timers would keep mocha alive).
  const realConnect = MongoClient.prototype.connect;
  const connected = new Set<MongoClient>();

  const docs = (collection: string): Promise<Document[]> => reader.db(database).collection(collection).find({}).toArray();
  const sentSince = (from: number) => imports.slice(from).flat();

  /** Invokes the handler, capturing what it writes to stdout/stderr (the EMF line and the logger's JSON). */
  async function invoke(event: unknown): Promise<any> {
    const out = process.stdout.write;
    const err = process.stderr.write;
    captured = [];
    const capture = ((chunk: unknown) => (captured.push(String(chunk)), true)) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    try {
      return await handler(event);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
  }
  const logLines = () =>
    captured
      .join("")
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, any>);
  const emf = () => logLines().filter((l) => l._aws);

  before(async () => {
    // The KMS audit API: POST /audit-key, IAM auth.
    apiRequests = [];
    api = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", async () => {
        const body = JSON.parse(raw) as { key_id: string };
        const signed = await signatureValid(req, raw);
        apiRequests.push({ path: `${req.method} ${req.url}`, keyId: body.key_id, signed });
        if (!signed || req.url !== "/prod/audit-key") res.writeHead(signed ? 404 : 403).end("{}");
        else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(keyAudit(body.key_id)));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));

    // MongoDB: a real one when MONGODB_URI is set (as findings-store.test.ts), else the wire server; behind a proxy.
    let uri = process.env.MONGODB_URI;
    if (!uri) {
      wire = await startMongoWireServer();
      uri = wire.uri;
    }
    proxy = await startTcpProxy(uri);
    reader = new MongoClient(uri, { serverSelectionTimeoutMS: 2000 });
    database = `cspm_handler_${randomUUID().slice(0, 8)}`;

    savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
    for (const k of ENV_KEYS) delete process.env[k];
    Object.assign(process.env, {
      AWS_REGION: HOME,
      KMS_AUDIT_API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}/prod`,
      AUDIT_REGIONS: `${BUCKET_REGION},${HOME}`,
      MONGODB_SECRET_ARN: SECRET_ARN,
      MONGODB_DATABASE: database,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
      POWERTOOLS_LOG_LEVEL: "INFO",
    });

    m = mocks();
    replayer = new SnapshotReplayer(buildSnapshot(account()));
    const fromSnapshot = (stub: any, service: string, commands: readonly (new (input: any) => unknown)[]) => {
      for (const Command of commands) {
        stub.on(Command).callsFake(async (input: unknown, getClient: () => { config: { region: () => Promise<string> } }) => {
          const region = await getClient().config.region();
          return replayer.replay<SendingClient>({ send: async () => undefined }, service, region).send(new Command(input));
        });
      }
    };
    fromSnapshot(m.s3, "s3", S3_COMMANDS);
    fromSnapshot(m.s3Control, "s3-control", [GetAccountPublicAccessBlockCommand]);
    fromSnapshot(m.sts, "sts", [GetCallerIdentityCommand]);
    m.secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ uri: proxy.uri }) });
    m.kms.on(ListAliasesCommand).resolves({ Aliases: [{ AliasName: "alias/other", AliasArn: ALIAS_ARN.replace("b1-data", "other"), TargetKeyId: "other" }, { AliasName: "alias/b1-data", AliasArn: ALIAS_ARN, TargetKeyId: KEY_ID }] });
    imports = [];
    m.securityHub.on(BatchImportFindingsCommand).callsFake((input: { Findings: AwsSecurityFinding[] }) => {
      imports.push(input.Findings);
      for (const f of input.Findings) hub.set(f.Id!, f);
      return { SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] };
    });
    // The two lookups the pipeline makes: prior state by ResourceId, and the unrecorded-findings check by ProductFields.
    m.securityHub.on(GetFindingsCommand).callsFake((input: { Filters: { ProductArn: { Value: string }[]; ResourceId?: { Value: string }[]; ProductFields?: { Key: string; Value: string }[] } }) => {
      const { ProductArn, ResourceId, ProductFields } = input.Filters;
      const wanted = ResourceId && new Set(ResourceId.map((f) => f.Value));
      return {
        Findings: [...hub.values()].filter(
          (f) => f.ProductArn === ProductArn[0]!.Value && (!wanted || wanted.has(f.Resources![0]!.Id!)) && (!ProductFields || ProductFields.every((pf) => f.ProductFields?.[pf.Key] === pf.Value)),
        ),
      };
    });
    m.securityHub.on(BatchUpdateFindingsCommand).rejects(new Error("no finding should be resolved in these runs"));

    MongoClient.prototype.connect = function (this: MongoClient) {
      connected.add(this);
      return realConnect.call(this);
    };
    // The handler reads its configuration and builds its clients at load.
    delete require.cache[require.resolve("../../../functions/s3-auditor/handler")];
    ({ handler, loadHandlerConfig } = require("../../../functions/s3-auditor/handler") as HandlerModule);
  });

  after(async () => {
    for (const stub of Object.values(m ?? {})) stub.restore();
    for (const k of ENV_KEYS) {
      if (savedEnv?.[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
    if (process.env.MONGODB_URI) await reader?.db(database).dropDatabase().catch(() => undefined);
    MongoClient.prototype.connect = realConnect;
    for (const client of [reader, ...connected]) await client?.close(true).catch(() => undefined);
    await proxy?.stop();
    await wire?.stop();
    api?.closeAllConnections();
    await new Promise((resolve) => api?.close(resolve));
  });

  it("refuses at cold start, naming the variable, an environment it cannot run with", () => {
    const good = { AWS_REGION: "eu-west-1", KMS_AUDIT_API_URL: "https://abc.execute-api.eu-west-1.amazonaws.com/v1", AUDIT_REGIONS: "eu-west-1,us-east-1", MONGODB_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:m" };
    expect(loadHandlerConfig(good)).to.deep.include({ auditRegions: ["eu-west-1", "us-east-1"], kmsAuditApiRegion: "eu-west-1", concurrency: 16 });
    expect(() => loadHandlerConfig({ ...good, AUDIT_REGIONS: "," })).to.throw(/AUDIT_REGIONS: must be comma-separated AWS regions/);
    expect(() => loadHandlerConfig({ ...good, AUDIT_REGIONS: "eu-west-1,mars" })).to.throw(/AUDIT_REGIONS/);
    expect(() => loadHandlerConfig({ ...good, KMS_AUDIT_API_URL: "not a url" })).to.throw(/KMS_AUDIT_API_URL: must be the http\(s\) URL/);
    expect(() => loadHandlerConfig({ ...good, AUDIT_CONCURRENCY: "0" })).to.throw(/AUDIT_CONCURRENCY must be an integer from 1 to 64/);
    const { MONGODB_SECRET_ARN: _dropped, ...missing } = good;
    expect(() => loadHandlerConfig(missing)).to.throw(/MONGODB_SECRET_ARN/);
  });

  it("audits a direct invocation: one signed KMS API call, findings to Security Hub and MongoDB, one run recorded", async () => {
    const answer = await invoke({ buckets: ["b1", "b2"] });

    // Summary.
    expect(answer.runId).to.match(/^[0-9a-f-]{36}$/);
    expect(answer.status).to.equal("complete");
    expect(answer.errors).to.deep.equal([]);
    const findings = answer.counts.findings as number;
    expect(answer.counts).to.deep.equal({
      buckets: 2,
      kmsKeys: 1,
      inventoryKeys: 0,
      kmsApiCalls: 1,
      kmsUnavailable: 0,
      findings,
      sent: findings,
      unchanged: 0,
      archived: 0,
      resolved: 0,
      failed: 0,
      securityHubCalls: 1,
      priorFallbackCalls: 0, // fresh database: no history to catch up on
      storeWrites: findings,
    });
    expect(findings).to.be.greaterThan(20);

    // The KMS audit API: the alias resolved with ListAliases in the key's region, then one signed call for the key ARN.
    expect(apiRequests).to.deep.equal([{ path: "POST /prod/audit-key", keyId: KEY_ARN, signed: true }]);
    const listAliases = m.kms.commandCalls(ListAliasesCommand);
    expect(listAliases).to.have.length(1);
    expect(await (listAliases[0]!.thisValue as KMSClient).config.region()).to.equal(BUCKET_REGION);

    // Security Hub.
    const sent = sentSince(0);
    expect(sent).to.have.length(findings);
    const byId = new Map(sent.map((f) => [f.Id!, f]));
    expect(byId.size).to.equal(findings);
    expect(new Set(sent.map((f) => f.ProductArn))).to.deep.equal(new Set([PRODUCT_ARN]));
    expect(new Set(sent.map((f) => f.Resources![0]!.Id))).to.deep.equal(new Set([`AWS::::Account:${ACCOUNT}`, B1, B2]));
    const publicRead = byId.get(`${B2}/s3_bucket_public_read`)!;
    expect(publicRead).to.deep.include({ Id: `${B2}/s3_bucket_public_read`, ProductArn: PRODUCT_ARN, GeneratorId: "s3_bucket_public_read", AwsAccountId: ACCOUNT, RecordState: "ACTIVE" });
    expect(publicRead.Compliance).to.deep.equal({ Status: "FAILED" });
    expect(publicRead.Severity?.Label).to.equal("CRITICAL");
    expect(publicRead.ProductFields).to.include({ "cspm/checkId": "s3_bucket_public_read", "cspm/status": "FAILED", "cspm/control": "S3.2" });
    expect(publicRead.Resources).to.deep.equal([{ Type: "AwsS3Bucket", Id: B2, Partition: "aws", Region: BUCKET_REGION }]);
    expect(byId.get(`${B1}/s3_bucket_public_read`)!.Compliance?.Status).to.equal("PASSED");
    // The API's answer reached b1's key findings, with the resolved key as a resource.
    const usable = byId.get(`${B1}/s3_bucket_default_kms_key_usable`)!;
    expect(usable.Compliance?.Status).to.equal("PASSED");
    expect(usable.Resources!.map((r) => r.Id)).to.deep.equal([B1, KEY_ARN]);
    expect(byId.get(`${B1}/s3_bucket_kms_key_checks_passed`)!.Compliance?.Status).to.equal("FAILED");
    expect(byId.get(`${B1}/s3_bucket_kms_key_checks_passed`)!.Description).to.contain(`${KEY_ARN}: kms_key_rotation_enabled FAILED`);
    // b2 uses SSE-S3: its key checks are NOT_APPLICABLE, never a finding.
    expect(byId.has(`${B2}/s3_bucket_default_kms_key_usable`)).to.equal(false);
    expect(await (m.securityHub.commandCalls(BatchImportFindingsCommand)[0]!.thisValue as SecurityHubClient).config.region()).to.equal(HOME);
    expect(m.securityHub.commandCalls(GetFindingsCommand)).to.have.length(0);

    // MongoDB (the secret named by MONGODB_SECRET_ARN, the database named by MONGODB_DATABASE).
    expect(m.secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).to.deep.equal([{ SecretId: SECRET_ARN }]);
    const stored = await docs("findings");
    expect(stored.map((d) => d._id).sort()).to.deep.equal([...byId.keys()].sort());
    expect(stored.find((d) => d._id === `${B2}/s3_bucket_public_read`)).to.deep.include({ status: "FAILED", severity: "CRITICAL", recordState: "ACTIVE", resourceId: B2, runId: answer.runId });
    const runs = await docs("audit_runs");
    expect(runs).to.have.length(1);
    expect(runs[0]).to.deep.include({ _id: answer.runId, kind: "s3", trigger: "direct", status: "complete", scope: { buckets: ["b1", "b2"] } });
    expect(runs[0]!.counts).to.deep.include({ findings, sent: findings, storeWrites: findings });

    // The embedded-metric line the alarms read.
    expect(emf()).to.have.length(1);
    expect(emf()[0]).to.deep.include({ service: "cspm-s3-auditor", runId: answer.runId, RunPartial: 0, RunDegraded: 0, FindingsStoreErrors: 0, FindingsSent: findings, KmsApiUnavailable: 0 });

    firstRun = { runId: answer.runId, ids: [...byId.keys()], sent: byId };
  });

  it("archives a deleted bucket's findings on a CloudTrail DeleteBucket event", async () => {
    expect(firstRun, "needs the first run").to.not.equal(undefined);
    replayer = new SnapshotReplayer(afterDeletingB2());
    const from = imports.length;
    const b2Ids = firstRun.ids.filter((id) => id.startsWith(`${B2}/`));

    const answer = await invoke({
      version: "0",
      "detail-type": "AWS API Call via CloudTrail",
      source: "aws.s3",
      region: BUCKET_REGION,
      detail: { eventSource: "s3.amazonaws.com", eventName: "DeleteBucket", awsRegion: BUCKET_REGION, requestParameters: { bucketName: "b2", Host: "b2.s3.amazonaws.com" } },
    });

    expect(answer.status).to.equal("complete");
    expect(answer.errors).to.deep.equal([]);
    // One GetFindings: the unrecorded-findings check, which finds nothing (MongoDB recorded the first run).
    expect(answer.counts).to.deep.include({ buckets: 0, kmsApiCalls: 0, archived: b2Ids.length, sent: b2Ids.length, failed: 0, priorFallbackCalls: 1 });
    expect(logLines().filter((l) => l.level === "WARN")).to.deep.equal([]);
    const sent = sentSince(from);
    expect(sent.map((f) => f.Id).sort()).to.deep.equal([...b2Ids].sort());
    for (const f of sent) {
      expect(f.RecordState, f.Id).to.equal("ARCHIVED");
      expect(f.ProductArn).to.equal(PRODUCT_ARN);
      expect(f.CreatedAt).to.equal(firstRun.sent.get(f.Id!)!.CreatedAt);
      expect(f.ProductFields?.["cspm/archivedBecause"]).to.equal("The bucket was deleted.");
    }
    expect(apiRequests).to.have.length(1); // no bucket with a key was audited

    const stored = await docs("findings");
    expect(stored.filter((d) => d.resourceId === B2).map((d) => d.recordState)).to.deep.equal(b2Ids.map(() => "ARCHIVED"));
    expect(stored.filter((d) => d.resourceId === B1).every((d) => d.recordState === "ACTIVE")).to.equal(true);
    const runs = await docs("audit_runs");
    expect(runs).to.have.length(2);
    expect(runs.find((r) => r._id === answer.runId)).to.deep.include({ trigger: "cloudtrail", status: "complete", scope: { buckets: ["b2"] } });
  });

  it("rejects a malformed event with a ValidationError naming the accepted shapes, and calls nothing", async () => {
    for (const stub of Object.values(m)) stub.resetHistory();
    const before = { imports: imports.length, api: apiRequests.length };

    for (const event of [{ bucket: "b1" }, { buckets: [] }, { buckets: ["not a bucket!"] }, null]) {
      const error = await invoke(event).then(
        () => expect.fail(`accepted ${JSON.stringify(event)}`),
        (e: Error & { code?: string }) => e,
      );
      expect(error.name).to.equal("ValidationError");
      expect(error.code).to.equal("InvalidEvent");
      expect(error.message).to.contain("send an EventBridge scheduled event, an S3 CloudTrail event, or {\"buckets\": [\"name\", ...]}");
    }
    const badTrail = await invoke({ "detail-type": "AWS API Call via CloudTrail", source: "aws.s3", detail: { eventSource: "s3.amazonaws.com", eventName: "GetObject", requestParameters: { bucketName: "b1" } } }).then(
      () => expect.fail("accepted a GetObject event"),
      (e: Error & { code?: string }) => e,
    );
    expect(badTrail).to.include({ name: "ValidationError", code: "InvalidEvent" });
    expect(badTrail.message).to.match(/^Bad CloudTrail event: detail\.eventName/);

    for (const [name, stub] of Object.entries(m)) expect(stub.calls(), name).to.have.length(0);
    expect({ imports: imports.length, api: apiRequests.length }).to.deep.equal(before);
    expect(emf()).to.have.length(0);
  });

  it("still sends every finding to Security Hub when MongoDB is unreachable, and reports the run partial", async () => {
    expect(firstRun, "needs the first run").to.not.equal(undefined);
    await proxy.stop(); // the handler's only way to MongoDB
    const from = imports.length;
    const apiBefore = apiRequests.length;

    // The same container after the malformed events: module state is intact.
    const answer = await invoke({ buckets: ["b1"] });

    expect(answer.status).to.equal("partial");
    expect(answer.errors.map((e: { source: string; code: string }) => [e.source, e.code])).to.deep.equal([["store", "FindingsStoreUnavailable"]]);
    const c = answer.counts;
    expect(c).to.deep.include({ buckets: 1, kmsApiCalls: 1, kmsUnavailable: 0, failed: 0, storeWrites: 0, unchanged: 0 });
    expect(c.sent).to.equal(c.findings);
    expect(c.priorFallbackCalls).to.be.greaterThan(0);

    // Every finding of b1 and the account went to Security Hub, keeping the CreatedAt of the first run (read back with GetFindings).
    const sent = sentSince(from);
    const expectedIds = firstRun.ids.filter((id) => !id.startsWith(`${B2}/`)).sort();
    expect(sent.map((f) => f.Id).sort()).to.deep.equal(expectedIds);
    expect(sent.every((f) => f.RecordState === "ACTIVE" && f.ProductArn === PRODUCT_ARN)).to.equal(true);
    for (const f of sent) expect(f.CreatedAt, f.Id).to.equal(firstRun.sent.get(f.Id!)!.CreatedAt);
    expect(m.securityHub.commandCalls(GetFindingsCommand)[0]!.args[0].input.Filters?.ProductArn).to.deep.equal([{ Value: PRODUCT_ARN, Comparison: "EQUALS" }]);
    // A new API client per invocation: the key is asked again.
    expect(apiRequests.slice(apiBefore)).to.deep.equal([{ path: "POST /prod/audit-key", keyId: KEY_ARN, signed: true }]);

    // Nothing was written, and the alarms get their signal.
    expect(await docs("audit_runs")).to.have.length(2);
    expect(emf()[0]).to.deep.include({ RunPartial: 1, FindingsStoreErrors: 1, FindingsSent: c.findings });
    expect(logLines().some((l) => l.level === "ERROR" && l.alarm === "FindingsStoreUnavailable" && /MongoDB unavailable/.test(l.message))).to.equal(true);
  });
});
