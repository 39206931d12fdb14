import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetBucketOwnershipControlsCommand, GetPublicAccessBlockCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { KeyAudit } from "../../../functions/shared/cspm/audit-types";
import type { Fetched } from "../../../functions/shared/cspm/check";
import { FindingsStore, containerClient as makeContainerClient, type MongoSettings } from "../../../functions/shared/cspm/findings-store";
import type { MongoClient } from "mongodb";
import { REPLAY_CREDENTIALS } from "../../../functions/shared/cspm/snapshot";
import { TokenBucket } from "../../../functions/shared/cspm/security-hub";
import { auditBuckets, auditInventory } from "../../../functions/shared/cspm/s3/audit";
import { s3CheckMetadata } from "../../../functions/shared/cspm/s3/checks/index";
import { fetchInventory, type InventoryDeps } from "../../../functions/shared/cspm/s3/inventory";
import { LEGACY_KMS_KEY_USABLE_ID } from "../../../functions/shared/cspm/s3/key-findings";
import { runAudit as runPipeline } from "../../../functions/s3-auditor/pipeline/run";
import type { AuditScope, PipelineDeps } from "../../../functions/s3-auditor/pipeline/types";
import { startMongoWireServer, startTcpProxy, type MongoWireServer } from "../../support/mongo-wire-server";

const ACCOUNT = "111122223333";
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:cspm/mongodb-AbCdEf";
const KEY_A = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa`;
const KEY_B = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb`;
const awsError = (name: string, httpStatusCode = 400) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });

interface World {
  /** bucket name -> KMS key (undefined: SSE-S3) */
  buckets: Map<string, string | undefined>;
  keyStates: Map<string, string>;
  keyResults?: Map<string, import("../../../functions/shared/cspm/check").CheckResult[]>;
  kmsDown: boolean;
  kmsCalls: string[];
  hub: Map<string, AwsSecurityFinding & { Workflow?: { Status?: string } }>;
  importCalls: number;
  getCalls: number;
  /** Runs before every BatchImportFindings call (e.g. to take MongoDB away mid-run). */
  beforeImport?: () => Promise<void>;
  resolved: string[];
  clock: number;
  /** Buckets whose GetBucketEncryption is denied. */
  encryptionDenied: Set<string>;
}

/** Every client the tests open, to close them afterwards. */
const openClients: MongoClient[] = [];
const openProxies: { stop(): Promise<void> }[] = [];
function containerClient(settings: MongoSettings): () => Promise<MongoClient> {
  const get = makeContainerClient(settings);
  return async () => {
    const client = await get();
    if (!openClients.includes(client)) openClients.push(client);
    return client;
  };
}

describe("S3 findings pipeline", () => {
  let world: World;
  let server: MongoWireServer | undefined;
  let database: string;
  let mocks: ReturnType<typeof mockClient>[];
  let securityHub: SecurityHubClient;
  let secrets: SecretsManagerClient;
  let store: FindingsStore;
  let logged: string[];

  const inventoryDeps: InventoryDeps = {
    homeRegion: "eu-west-1",
    s3: (region) => new S3Client({ region, credentials: REPLAY_CREDENTIALS }),
    s3Control: (region) => new S3ControlClient({ region, credentials: REPLAY_CREDENTIALS }),
    sts: (region) => new STSClient({ region, credentials: REPLAY_CREDENTIALS }),
  };

  beforeEach(async () => {
    world = { buckets: new Map(), keyStates: new Map(), kmsDown: false, kmsCalls: [], hub: new Map(), importCalls: 0, getCalls: 0, resolved: [], clock: Date.parse("2025-03-01T00:00:00Z"), encryptionDenied: new Set() };
    const s3 = mockClient(S3Client);
    const control = mockClient(S3ControlClient);
    const sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:role/auditor` });
    control.on(GetAccountPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
    s3.onAnyCommand().resolves({});
    s3.on(GetBucketPolicyCommand).rejects(awsError("NoSuchBucketPolicy", 404));
    s3.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } });
    s3.on(GetPublicAccessBlockCommand).rejects(awsError("NoSuchPublicAccessBlockConfiguration", 404));
    s3.on(ListBucketsCommand).callsFake(() => ({ Buckets: [...world.buckets.keys()].map((Name) => ({ Name, BucketRegion: "eu-west-1" })) }));
    s3.on(GetBucketEncryptionCommand).callsFake((input: { Bucket: string }) => {
      if (world.encryptionDenied.has(input.Bucket)) throw awsError("AccessDenied", 403);
      const key = world.buckets.get(input.Bucket);
      return { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: key ? { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key } : { SSEAlgorithm: "AES256" } }] } };
    });

    // An in-memory Security Hub with its real update rule: an import is ignored unless UpdatedAt is newer.
    securityHub = new SecurityHubClient({ region: "eu-west-1", credentials: REPLAY_CREDENTIALS });
    const hub = mockClient(securityHub);
    hub.on(BatchImportFindingsCommand).callsFake(async (input: { Findings: AwsSecurityFinding[] }) => {
      await world.beforeImport?.();
      world.importCalls++;
      for (const f of input.Findings) {
        const existing = world.hub.get(f.Id!);
        if (!existing || Date.parse(f.UpdatedAt!) > Date.parse(existing.UpdatedAt!)) world.hub.set(f.Id!, { ...f, Workflow: existing?.Workflow ?? { Status: "NEW" } });
      }
      return { SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] };
    });
    hub.on(BatchUpdateFindingsCommand).callsFake((input: { FindingIdentifiers: { Id: string }[] }) => {
      for (const { Id } of input.FindingIdentifiers) {
        world.resolved.push(Id);
        const f = world.hub.get(Id);
        if (f) f.Workflow = { Status: "RESOLVED" };
      }
      return { ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] };
    });
    // GetFindings with the filters the pipeline uses: ProductArn, ResourceId, ProductFields (EQUALS), LastObservedAt range; MaxResults.
    type GetInput = {
      Filters: {
        ProductArn?: { Value: string }[];
        Id?: { Value: string }[];
        ResourceId?: { Value: string }[];
        ProductFields?: { Key: string; Value: string; Comparison: string }[];
        LastObservedAt?: { Start?: string; End?: string }[];
      };
      MaxResults?: number;
    };
    hub.on(GetFindingsCommand).callsFake((input: GetInput) => {
      world.getCalls++;
      const { ProductArn, Id, ResourceId, ProductFields, LastObservedAt } = input.Filters;
      const wanted = ResourceId && new Set(ResourceId.map((f) => f.Value));
      const ids = Id && new Set(Id.map((f) => f.Value));
      const found = [...world.hub.values()].filter(
        (f) =>
          (!ProductArn || ProductArn.some((p) => p.Value === f.ProductArn)) &&
          (!wanted || wanted.has(f.Resources![0]!.Id!)) &&
          (!ids || ids.has(f.Id!)) &&
          (!ProductFields || ProductFields.every((pf) => f.ProductFields?.[pf.Key] === pf.Value)) &&
          (!LastObservedAt || LastObservedAt.some((d) => (!d.Start || Date.parse(f.LastObservedAt!) >= Date.parse(d.Start)) && (!d.End || Date.parse(f.LastObservedAt!) <= Date.parse(d.End)))),
      );
      return { Findings: found.slice(0, input.MaxResults ?? 100) };
    });

    server = await startMongoWireServer();
    database = `cspm_${Math.random().toString(36).slice(2, 8)}`;
    secrets = new SecretsManagerClient({ region: "eu-west-1", credentials: REPLAY_CREDENTIALS });
    const sm = mockClient(secrets);
    sm.on(GetSecretValueCommand).resolves({ SecretString: process.env.MONGODB_URI ?? server.uri });
    store = new FindingsStore(containerClient({ secretArn: SECRET_ARN, secrets, clientOptions: { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 } }), database);
    mocks = [s3, control, sts, hub, sm];
    logged = [];
  });

  afterEach(async () => {
    for (const m of mocks) m.restore();
    for (const c of openClients.splice(0)) await c.close(true).catch(() => undefined);
    // Proxies still up are stopped after the clients are closed (closing a client whose proxy just went away can hang).
    for (const p of openProxies.splice(0)) await p.stop();
    await server?.stop();
  });

  function deps(over: Partial<PipelineDeps> = {}): PipelineDeps {
    return {
      audit: async (scope: AuditScope) => ({ report: await auditBuckets(inventoryDeps, { ...(scope.buckets ? { buckets: scope.buckets } : {}), ...(scope.regions?.[0] ? { region: scope.regions[0] } : {}) }) }),
      auditKey: async (ref: string): Promise<Fetched<KeyAudit>> => {
        world.kmsCalls.push(ref);
        if (world.kmsDown) return { ok: false, errorCode: "KmsAuditApiError503", message: "unavailable" };
        const state = world.keyStates.get(ref) ?? "Enabled";
        const results = world.keyResults?.get(ref) ?? [{ checkId: "kms_key_rotation_enabled", status: "PASSED", reason: "on" }];
        return { ok: true, value: { keyId: ref.split("/")[1]!, keyArn: ref, region: "eu-west-1", accountId: ACCOUNT, facts: { keyState: state }, results } };
      },
      metadata: s3CheckMetadata,
      securityHub,
      securityHubRegion: "eu-west-1",
      securityHubLimiter: new TokenBucket(1000, 1000),
      getFindingsLimiter: new TokenBucket(1000, 1000),
      securityHubOptions: { sleep: async () => undefined },
      store,
      now: () => new Date(world.clock),
      logger: { info: () => undefined, warn: () => undefined, error: (m: string) => void logged.push(m) },
      ...over,
    };
  }

  const hubFinding = (bucket: string, check: string) => world.hub.get(`arn:aws:s3:::${bucket}/${check}`);
  const schedule: AuditScope = { trigger: "schedule", regions: ["eu-west-1"] };

  it("asks the KMS API once per distinct key and puts a pending-deletion key on every bucket using it", async () => {
    world.buckets.set("one", KEY_A).set("two", KEY_A).set("three", KEY_B).set("plain", undefined);
    world.keyStates.set(KEY_A, "PendingDeletion");

    const summary = await runPipeline(schedule, deps());

    expect(world.kmsCalls.sort()).to.deep.equal([KEY_A, KEY_B]);
    expect(summary.counts).to.include({ buckets: 4, kmsKeys: 2, kmsApiCalls: 2 });
    for (const bucket of ["one", "two"]) {
      const f = hubFinding(bucket, "s3_bucket_default_kms_key_usable")!;
      expect(f.Compliance?.Status).to.equal("FAILED");
      expect(f.Severity?.Label).to.equal("CRITICAL");
      expect(f.Resources!.map((r) => r.Id)).to.deep.equal([`arn:aws:s3:::${bucket}`, KEY_A]);
    }
    expect(hubFinding("three", "s3_bucket_default_kms_key_usable")!.Compliance?.Status).to.equal("PASSED");
    // No KMS key: NOT_APPLICABLE, never an active finding.
    expect(hubFinding("plain", "s3_bucket_default_kms_key_usable")).to.equal(undefined);
    expect(summary.status).to.equal("complete");
    expect(server!.documents(database, "findings").length).to.equal(summary.counts.sent);
    const runs = server!.documents(database, "audit_runs");
    expect(runs).to.have.length(1);
    expect(runs[0]).to.deep.include({ status: "complete", trigger: "schedule" });
  });

  it("gives NOT_AVAILABLE key findings when the KMS API fails, and the audit goes on", async () => {
    world.buckets.set("one", KEY_A);
    world.kmsDown = true;
    const summary = await runPipeline(schedule, deps());
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.Compliance?.Status).to.equal("NOT_AVAILABLE");
    expect(hubFinding("one", "s3_bucket_kms_key_checks_passed")!.Compliance?.Status).to.equal("NOT_AVAILABLE");
    expect(hubFinding("one", "s3_bucket_versioning_enabled")).to.not.equal(undefined);
    expect(summary.counts.kmsUnavailable).to.equal(1);
  });

  it("keeps CreatedAt on a rerun, resolves a pass after a fail, and does not re-send unchanged findings", async () => {
    world.buckets.set("one", KEY_A);
    world.keyStates.set(KEY_A, "Disabled");
    await runPipeline(schedule, deps());
    const first = hubFinding("one", "s3_bucket_default_kms_key_usable")!;
    expect(first.Compliance?.Status).to.equal("FAILED");
    const firstCalls = world.importCalls;

    world.clock += 3_600_000;
    world.keyStates.set(KEY_A, "Enabled");
    const second = await runPipeline(schedule, deps());

    const now = hubFinding("one", "s3_bucket_default_kms_key_usable")!;
    expect(now.Compliance?.Status).to.equal("PASSED");
    expect(now.CreatedAt).to.equal(first.CreatedAt);
    expect(now.FirstObservedAt).to.equal(first.FirstObservedAt);
    expect(Date.parse(now.UpdatedAt!)).to.be.greaterThan(Date.parse(first.UpdatedAt!));
    expect(now.Workflow?.Status).to.equal("RESOLVED");
    expect(world.resolved).to.deep.equal([now.Id]);
    expect(second.counts.resolved).to.equal(1);
    // Only the changed finding was sent; the rest were unchanged and recently sent.
    expect(second.counts.sent).to.equal(1);
    expect(second.counts.unchanged).to.be.greaterThan(5);
    expect(world.importCalls - firstCalls).to.equal(1);
    const doc = server!.documents(database, "findings").find((d) => d._id === now.Id)!;
    expect(doc.history.map((h: { status: string }) => h.status)).to.deep.equal(["FAILED", "PASSED"]);

    // Past the refresh window everything is re-sent, CreatedAt still the first one.
    world.clock += 8 * 86_400_000;
    const third = await runPipeline(schedule, deps());
    expect(third.counts.sent).to.equal(third.counts.findings);
    expect(hubFinding("one", "s3_bucket_versioning_enabled")!.CreatedAt).to.equal(first.CreatedAt);
  });

  it("archives a deleted bucket's findings, and never archives outside the scanned scope", async () => {
    world.buckets.set("keep", undefined).set("doomed", undefined).set("elsewhere", undefined);
    await runPipeline(schedule, deps());
    const active = () => [...world.hub.values()].filter((f) => f.RecordState === "ACTIVE").map((f) => f.Resources![0]!.Id);

    // A change event for one bucket touches only that bucket.
    world.clock += 60_000;
    world.buckets.delete("elsewhere"); // gone, but not in this run's scope
    await runPipeline({ trigger: "cloudtrail", buckets: ["keep"] }, deps());
    expect(active()).to.include("arn:aws:s3:::elsewhere");

    // DeleteBucket event: that bucket's findings are archived.
    world.clock += 60_000;
    world.buckets.delete("doomed");
    const deleted = await runPipeline({ trigger: "cloudtrail", buckets: ["doomed"], deletedBuckets: ["doomed"] }, deps());
    expect(deleted.counts.archived).to.be.greaterThan(0);
    expect(active()).to.not.include("arn:aws:s3:::doomed");
    expect(hubFinding("doomed", "s3_bucket_versioning_enabled")!.RecordState).to.equal("ARCHIVED");
    expect(active()).to.include("arn:aws:s3:::elsewhere");

    // The next full scan of the region archives the bucket that vanished without an event.
    world.clock += 60_000;
    await runPipeline(schedule, deps());
    expect(active()).to.not.include("arn:aws:s3:::elsewhere");
    expect(active()).to.include("arn:aws:s3:::keep");
  });

  describe("every customer-managed key as a resource of its own", () => {
    const KEY_C = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/cccccccc-cccc-cccc-cccc-cccccccccccc`;
    const AWS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/dddddddd-dddd-dddd-dddd-dddddddddddd`;
    const keyFinding = (arn: string, check: string) => world.hub.get(`${arn}/${check}`);
    let listed: Map<string, string[] | Error>;
    const listDeps = (over: Partial<PipelineDeps> = {}) => {
      const base = deps();
      return deps({
        listKeys: async (region) => {
          const keys = listed.get(region) ?? [];
          if (keys instanceof Error) throw keys;
          return keys;
        },
        auditKey: async (ref) => {
          const answer = await base.auditKey(ref);
          if (!answer.ok) return answer;
          const value = { ...answer.value, facts: { ...answer.value.facts, keyManager: ref === AWS_KEY ? "AWS" : "CUSTOMER" } };
          return { ok: true, value };
        },
        ...over,
      });
    };
    beforeEach(() => {
      listed = new Map([["eu-west-1", [KEY_A, KEY_C, AWS_KEY]]]);
    });

    it("audits a key no bucket uses, skips AWS-managed keys, and asks the API once per key per run", async () => {
      world.buckets.set("one", KEY_A).set("two", KEY_A);
      (world.keyResults ??= new Map()).set(KEY_C, [
        { checkId: "kms_key_rotation_enabled", status: "FAILED", severity: "MEDIUM", reason: "off" },
        { checkId: "kms_key_not_pending_deletion", status: "PASSED", reason: "ok" },
      ]);
      const summary = await runPipeline(schedule, listDeps());
      expect(world.kmsCalls.sort()).to.deep.equal([KEY_A, KEY_C, AWS_KEY].sort());
      expect(summary.counts).to.include({ kmsApiCalls: 3, inventoryKeys: 2 });
      const rotation = keyFinding(KEY_C, "kms_key_rotation_enabled")!;
      expect(rotation.Compliance?.Status).to.equal("FAILED");
      expect(rotation.Resources!.map((r) => [r.Type, r.Id, r.Region])).to.deep.equal([["AwsKmsKey", KEY_C, "eu-west-1"]]);
      expect(rotation.ProductFields?.["cspm/control"]).to.equal("KMS.4");
      expect(keyFinding(KEY_A, "kms_key_rotation_enabled")!.Compliance?.Status).to.equal("PASSED");
      expect([...world.hub.keys()].filter((id) => id.startsWith(AWS_KEY))).to.deep.equal([]);
      const created = rotation.CreatedAt;

      // Rotation turned on: resolved, same Id and CreatedAt.
      world.clock += 60_000;
      world.keyResults!.set(KEY_C, [{ checkId: "kms_key_rotation_enabled", status: "PASSED", reason: "on" }, { checkId: "kms_key_not_pending_deletion", status: "PASSED", reason: "ok" }]);
      await runPipeline(schedule, listDeps());
      expect(keyFinding(KEY_C, "kms_key_rotation_enabled")).to.deep.include({ CreatedAt: created, Workflow: { Status: "RESOLVED" } });
    });

    it("gives NOT_AVAILABLE (never PASSED) key findings when the key's audit is not fully readable", async () => {
      (world.keyResults ??= new Map()).set(KEY_C, [
        { checkId: "kms_key_rotation_enabled", status: "PASSED", reason: "on" },
        { checkId: "kms_key_policy_not_public", status: "NOT_AVAILABLE", reason: "denied", errorCode: "AccessDeniedException" },
      ]);
      await runPipeline(schedule, listDeps());
      expect(keyFinding(KEY_C, "kms_key_rotation_enabled")!.Compliance?.Status).to.equal("NOT_AVAILABLE");
      expect(keyFinding(KEY_C, "kms_key_policy_not_public")!.Compliance?.Status).to.equal("NOT_AVAILABLE");
      // The API does not answer at all: every KMS check is NOT_AVAILABLE.
      world.clock += 60_000;
      world.kmsDown = true;
      const summary = await runPipeline(schedule, listDeps());
      expect(keyFinding(KEY_C, "kms_key_enabled")!.Compliance?.Status).to.equal("NOT_AVAILABLE");
      expect(summary.status).to.equal("degraded");
    });

    it("archives a deleted key's findings on the next full scan, never in a change-driven run or where the listing failed", async () => {
      world.buckets.set("one", undefined);
      await runPipeline(schedule, listDeps());
      const active = (arn: string) => keyFinding(arn, "kms_key_rotation_enabled")!.RecordState;
      expect(active(KEY_C)).to.equal("ACTIVE");

      listed.set("eu-west-1", [KEY_A, AWS_KEY]); // KEY_C deleted
      world.clock += 60_000;
      const change = await runPipeline({ trigger: "cloudtrail", buckets: ["one"] }, listDeps());
      expect(change.counts.archived).to.equal(0);
      expect(active(KEY_C)).to.equal("ACTIVE");

      listed.set("eu-west-1", awsError("ThrottlingException"));
      world.clock += 60_000;
      const failed = await runPipeline(schedule, listDeps());
      expect(active(KEY_C)).to.equal("ACTIVE");
      expect(failed.errors.map((e) => e.code)).to.include("ThrottlingException");

      listed.set("eu-west-1", [KEY_A, AWS_KEY]);
      world.clock += 60_000;
      await runPipeline(schedule, listDeps());
      expect(active(KEY_C)).to.equal("ARCHIVED");
      expect(active(KEY_A)).to.equal("ACTIVE");
    });
  });

  it("never passes a key whose audit is not fully readable, never resolves its earlier FAILED, and reports the run degraded naming the key", async () => {
    world.buckets.set("one", KEY_A);
    world.keyStates.set(KEY_A, "PendingDeletion");
    await runPipeline(schedule, deps());
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.Compliance?.Status).to.equal("FAILED");
    world.clock += 60_000;
    // The API answers 200, but the key could not be read (access denied): the state it reports is not evidence.
    world.keyStates.set(KEY_A, "Enabled");
    (world.keyResults ??= new Map()).set(KEY_A, [{ checkId: "kms_key_not_pending_deletion", status: "NOT_AVAILABLE", reason: "denied", errorCode: "AccessDeniedException" }]);
    world.resolved.length = 0;
    const summary = await runPipeline(schedule, deps());
    for (const check of ["s3_bucket_default_kms_key_usable", "s3_bucket_kms_key_checks_passed"]) {
      expect(hubFinding("one", check)!.Compliance?.Status, check).to.equal("NOT_AVAILABLE");
    }
    expect(world.resolved).to.deep.equal([]);
    expect(summary.status).to.equal("degraded");
    expect(summary.failedKeys).to.deep.equal([KEY_A]);
    expect(summary.counts.kmsUnavailable).to.equal(1);
  });

  it("leaves a finding the user SUPPRESSED alone: it passes now, but is not resolved", async () => {
    world.buckets.set("one", KEY_A);
    world.keyStates.set(KEY_A, "Disabled");
    await runPipeline(schedule, deps());
    hubFinding("one", "s3_bucket_default_kms_key_usable")!.Workflow = { Status: "SUPPRESSED" };
    world.clock += 60_000;
    world.keyStates.set(KEY_A, "Enabled");
    world.resolved.length = 0;
    await runPipeline(schedule, deps());
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")).to.deep.include({ Workflow: { Status: "SUPPRESSED" } });
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.Compliance?.Status).to.equal("PASSED");
    expect(world.resolved).to.deep.equal([]);
  });

  it("archives findings filed under the key-usable check's old id (tagged KMS.3)", async () => {
    world.buckets.set("one", KEY_A);
    await runPipeline(schedule, deps());
    // A finding the previous version filed, as MongoDB and Security Hub hold it.
    const current = hubFinding("one", "s3_bucket_default_kms_key_usable")!;
    const legacyId = current.Id!.replace("s3_bucket_default_kms_key_usable", LEGACY_KMS_KEY_USABLE_ID);
    const legacy = { ...current, Id: legacyId, GeneratorId: LEGACY_KMS_KEY_USABLE_ID, ProductFields: { ...current.ProductFields, "cspm/control": "KMS.3" } };
    world.hub.set(legacyId, legacy);
    await store.upsertFindings([{ id: legacyId, resourceId: "arn:aws:s3:::one", resourceType: "AwsS3Bucket", resourceRegion: "eu-west-1", checkId: LEGACY_KMS_KEY_USABLE_ID, status: "PASSED", severity: "CRITICAL", recordState: "ACTIVE", createdAt: legacy.CreatedAt!, firstObservedAt: legacy.CreatedAt!, updatedAt: legacy.UpdatedAt!, lastObservedAt: legacy.UpdatedAt!, lastSentAt: legacy.UpdatedAt!, fingerprint: "legacy", finding: legacy, statusChanged: true, runId: "old" }]);
    world.clock += 60_000;
    await runPipeline(schedule, deps());
    expect(world.hub.get(legacyId)!.RecordState).to.equal("ARCHIVED");
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.RecordState).to.equal("ACTIVE");
  });

  it("resolves a PASSED finding whose Workflow Security Hub left or reset to NEW (via NOT_AVAILABLE, or re-activated)", async () => {
    world.buckets.set("one", KEY_A);
    world.keyStates.set(KEY_A, "Disabled");
    await runPipeline(schedule, deps()); // FAILED, Workflow NEW
    world.clock += 60_000;
    world.kmsDown = true;
    await runPipeline(schedule, deps()); // NOT_AVAILABLE: Workflow stays NEW
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.Compliance?.Status).to.equal("NOT_AVAILABLE");
    world.clock += 60_000;
    world.kmsDown = false;
    world.keyStates.set(KEY_A, "Enabled");
    await runPipeline(schedule, deps()); // PASSED: nothing will resolve it but us
    const usable = hubFinding("one", "s3_bucket_default_kms_key_usable")!;
    expect(usable.Compliance?.Status).to.equal("PASSED");
    expect(usable.Workflow?.Status).to.equal("RESOLVED");

    // ARCHIVED -> ACTIVE makes Security Hub reset RESOLVED to NEW: a re-activated PASSED finding is resolved again.
    world.clock += 60_000;
    world.buckets.set("one", undefined); // SSE-S3: archived
    await runPipeline(schedule, deps());
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.RecordState).to.equal("ARCHIVED");
    hubFinding("one", "s3_bucket_default_kms_key_usable")!.Workflow = { Status: "NEW" }; // Security Hub's reset on re-activation
    world.resolved.length = 0;
    world.clock += 60_000;
    world.buckets.set("one", KEY_A);
    await runPipeline(schedule, deps());
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")).to.deep.include({ RecordState: "ACTIVE" });
    expect(world.resolved).to.include(usable.Id);
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.Workflow?.Status).to.equal("RESOLVED");
  });

  it("does not archive a bucket's KMS key findings when its default encryption cannot be read", async () => {
    world.buckets.set("one", KEY_A);
    world.keyStates.set(KEY_A, "PendingDeletion");
    await runPipeline(schedule, deps());
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.Compliance?.Status).to.equal("FAILED");

    // An API error is not "no KMS key": the key findings become NOT_AVAILABLE, they are not archived.
    world.clock += 60_000;
    world.encryptionDenied.add("one");
    await runPipeline(schedule, deps());
    for (const check of ["s3_bucket_default_kms_key_usable", "s3_bucket_kms_key_checks_passed"]) {
      const f = hubFinding("one", check)!;
      expect(f.RecordState, check).to.equal("ACTIVE");
      expect(f.Compliance?.Status, check).to.equal("NOT_AVAILABLE");
      expect(f.ProductFields?.["cspm/errorCode"], check).to.equal("AccessDenied");
    }
    // Readable again: back to a real verdict on the same Id.
    world.clock += 60_000;
    world.encryptionDenied.clear();
    await runPipeline(schedule, deps());
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.Compliance?.Status).to.equal("FAILED");
  });

  it("archives a finding whose check turned NOT_APPLICABLE, and sends nothing when it never existed", async () => {
    world.buckets.set("one", KEY_A).set("never", undefined);
    await runPipeline(schedule, deps());
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.RecordState).to.equal("ACTIVE");
    expect(hubFinding("never", "s3_bucket_default_kms_key_usable")).to.equal(undefined);
    world.clock += 60_000;
    world.buckets.set("one", undefined); // switched to SSE-S3: the key checks no longer apply
    await runPipeline(schedule, deps());
    expect(hubFinding("one", "s3_bucket_default_kms_key_usable")!.RecordState).to.equal("ARCHIVED");
  });

  it("still sends every finding to Security Hub when MongoDB is down, marks the run partial, and catches up", async () => {
    // MongoDB behind a proxy, so it can go away and come back with its data.
    const proxy = await startTcpProxy(server!.uri);
    mocks[4]!.on(GetSecretValueCommand).resolves({ SecretString: proxy.uri });
    world.buckets.set("one", KEY_A);
    await runPipeline(schedule, deps());

    await proxy.stop();
    world.clock += 3_600_000;
    world.buckets.set("two", undefined); // first seen while MongoDB is down
    const down = await runPipeline(schedule, deps());
    expect(down.status).to.equal("partial");
    expect(down.store).to.equal("unavailable");
    expect(down.counts.sent).to.equal(down.counts.findings);
    expect(down.counts.failed).to.equal(0);
    expect(logged.join()).to.match(/MongoDB unavailable/);
    const firstSeen = hubFinding("two", "s3_bucket_versioning_enabled")!.CreatedAt;
    // Findings known before the outage keep their CreatedAt too (read back from Security Hub).
    const oldCreated = hubFinding("one", "s3_bucket_versioning_enabled")!.CreatedAt;
    expect(oldCreated).to.equal(new Date(world.clock - 3_600_000).toISOString());

    // MongoDB is back: the next run writes everything, with the CreatedAt Security Hub has.
    const again = await startTcpProxy(server!.uri, proxy.port);
    world.clock += 3_600_000;
    const back = await runPipeline(schedule, deps());
    await again.stop();
    expect(back.status).to.equal("complete");
    expect(back.counts.priorFallbackCalls).to.be.greaterThan(0);
    expect(hubFinding("two", "s3_bucket_versioning_enabled")!.CreatedAt).to.equal(firstSeen);
    const doc = server!.documents(database, "findings").find((d) => d._id === "arn:aws:s3:::two/s3_bucket_versioning_enabled")!;
    expect(doc.createdAt).to.equal(firstSeen);
    expect(server!.documents(database, "audit_runs")).to.have.length(2);
  });

  it("turns OPA deny messages into findings when OPA is configured", async () => {
    world.buckets.set("one", undefined).set("two", undefined);
    const inputs: unknown[] = [];
    const opaFetch = (async (url: string, init: { body: string }) => {
      expect(url).to.equal("http://opa.test/v1/data/cspm/s3/deny");
      const { input } = JSON.parse(init.body) as { input: { name: string } };
      inputs.push(input);
      const result = input.name === "one" ? ["bucket must have versioning", { msg: "bucket must log", severity: "high" }] : [];
      return new Response(JSON.stringify({ result }), { status: 200 });
    }) as unknown as typeof fetch;
    const withConfig: PipelineDeps["audit"] = async () => {
      const inventory = await fetchInventory(inventoryDeps, {});
      return { report: auditInventory(inventory, {}, new Date(), new Date()), configurations: new Map(inventory.buckets.map((b) => [b.name, b])) };
    };
    await runPipeline(schedule, deps({ audit: withConfig, opa: { url: "http://opa.test", path: "cspm/s3/deny", fetch: opaFetch } }));
    const opa = [...world.hub.values()].filter((f) => f.GeneratorId!.startsWith("opa/"));
    expect(opa.map((f) => [f.Resources![0]!.Id, f.Severity?.Label, f.Compliance?.Status]).sort()).to.deep.equal([
      ["arn:aws:s3:::one", "HIGH", "FAILED"],
      ["arn:aws:s3:::one", "MEDIUM", "FAILED"],
    ]);
    // The configuration went through normalised: Fetched wrappers unwrapped.
    expect((inputs[0] as { versioning: unknown }).versioning).to.not.have.property("ok");

    // OPA turned off: no OPA call, no new OPA finding; the old deny findings are no longer
    // evaluated, so they are archived (they are inside the scanned scope).
    const before = world.hub.size;
    const calls = inputs.length;
    world.clock += 60_000;
    await runPipeline(schedule, deps());
    expect(inputs.length).to.equal(calls);
    expect(world.hub.size).to.equal(before);
    expect([...world.hub.values()].filter((f) => f.GeneratorId!.startsWith("opa/")).map((f) => f.RecordState)).to.deep.equal(["ARCHIVED", "ARCHIVED"]);
  });

  describe("MongoDB stale after an outage (Security Hub got findings MongoDB did not record)", () => {
    const usableId = "arn:aws:s3:::one/s3_bucket_default_kms_key_usable";
    async function mongoBehindProxy() {
      const proxy = await startTcpProxy(server!.uri);
      mocks[4]!.on(GetSecretValueCommand).resolves({ SecretString: proxy.uri });
      return proxy;
    }
    /** The proxy back on the same port; stopped by afterEach. */
    async function proxyAgain(port: number): Promise<void> {
      openProxies.push(await startTcpProxy(server!.uri, port));
      await mongoBack();
    }
    const usable = () => hubFinding("one", "s3_bucket_default_kms_key_usable")!;
    /** After the proxy is back: wait until the driver reaches MongoDB again, so the next run reads it. */
    async function mongoBack(): Promise<void> {
      for (let i = 0; i < 100; i++) {
        if (await store.runHistory().then(() => true, () => false)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("MongoDB did not come back");
    }

    it("re-sends a finding that failed, passed while MongoDB was down when the run READ, and fails again", async () => {
      const proxy = await mongoBehindProxy();
      world.buckets.set("one", KEY_A);
      world.keyStates.set(KEY_A, "Disabled");
      expect((await runPipeline(schedule, deps())).status).to.equal("complete"); // MongoDB: FAILED
      expect(usable().Compliance?.Status).to.equal("FAILED");
      const created = usable().CreatedAt;

      await proxy.stop();
      world.clock += 3_600_000;
      world.keyStates.set(KEY_A, "Enabled");
      const down = await runPipeline(schedule, deps()); // Security Hub: PASSED (+ RESOLVED); MongoDB still FAILED
      expect(down.store).to.equal("unavailable");
      expect(usable().Compliance?.Status).to.equal("PASSED");
      const markedDuringOutage = usable().ProductFields?.["cspm/unrecorded"];

      await proxyAgain(proxy.port);
      world.clock += 3_600_000;
      world.keyStates.set(KEY_A, "Disabled"); // FAILED again: what MongoDB last recorded
      const importsBefore = world.importCalls;
      const back = await runPipeline(schedule, deps());
      // The bug: MongoDB's stale FAILED made this finding "unchanged", and Security Hub kept PASSED.
      expect(usable().Compliance?.Status).to.equal("FAILED");
      expect(world.importCalls).to.be.greaterThan(importsBefore);
      expect(back.store).to.equal("ok");
      expect(back.status).to.equal("complete");
      expect(back.resendAll).to.equal("unrecordedFindings");
      // The outage run said in the finding that MongoDB did not record it; the marker is gone once recorded.
      expect(markedDuringOutage).to.equal("true");
      expect(usable().ProductFields?.["cspm/unrecorded"]).to.equal(undefined);
      // Every finding in scope was re-sent (MongoDB's fingerprints were not trusted), CreatedAt kept.
      expect(back.counts.unchanged).to.equal(0);
      expect(back.counts.sent).to.equal(back.counts.findings);
      expect(usable().CreatedAt).to.equal(created);
      expect([...world.hub.values()].some((f) => f.ProductFields?.["cspm/unrecorded"] === "true")).to.equal(false);

      // Reconciled: the next run trusts MongoDB again (one GetFindings, nothing re-sent).
      world.clock += 3_600_000;
      const gets = world.getCalls;
      const imports = world.importCalls;
      const next = await runPipeline(schedule, deps());
      expect(next.resendAll).to.equal(undefined);
      expect(world.getCalls - gets).to.equal(1);
      expect(world.importCalls).to.equal(imports);
      expect(next.counts.sent).to.equal(0);
    });

    it("re-sends a finding that failed, passed in a run whose MongoDB WRITE failed after the import, and fails again", async () => {
      const proxy = await mongoBehindProxy();
      world.buckets.set("one", KEY_A);
      world.keyStates.set(KEY_A, "Disabled");
      await runPipeline(schedule, deps()); // MongoDB: FAILED

      world.clock += 3_600_000;
      world.keyStates.set(KEY_A, "Enabled");
      world.beforeImport = () => proxy.stop(); // MongoDB goes away once the import has started
      const half = await runPipeline(schedule, deps());
      world.beforeImport = undefined;
      expect(half.store).to.equal("unavailable");
      expect(half.status).to.equal("partial");
      expect(usable().Compliance?.Status).to.equal("PASSED");

      await proxyAgain(proxy.port);
      world.clock += 3_600_000;
      world.keyStates.set(KEY_A, "Disabled");
      const back = await runPipeline(schedule, deps());
      expect(back.store).to.equal("ok");
      expect(usable().Compliance?.Status).to.equal("FAILED");
      const doc = server!.documents(database, "findings").find((d) => d._id === usableId)!;
      expect(doc.status).to.equal("FAILED");
      expect(doc.fingerprint).to.not.equal("pending");
    });

    it("makes exactly one extra GetFindings call in a normal run after a complete run, and re-sends nothing unchanged", async () => {
      world.buckets.set("one", KEY_A).set("two", undefined);
      const first = await runPipeline(schedule, deps());
      expect(first.status).to.equal("complete");
      expect(world.getCalls).to.equal(0); // fresh deployment: no lookup at all

      world.clock += 3_600_000;
      const imports = world.importCalls;
      const second = await runPipeline(schedule, deps());
      expect(world.getCalls).to.equal(1);
      expect(second.counts.priorFallbackCalls).to.equal(1);
      expect(world.importCalls).to.equal(imports);
      expect(second.counts.sent).to.equal(0);
      expect(second.counts.unchanged).to.equal(second.counts.findings);
      expect(second.resendAll).to.equal(undefined);
      expect(second.status).to.equal("complete");
    });

    it("after two runs that overlapped (schedule + CloudTrail), the next run re-sends everything once", async () => {
      world.buckets.set("one", KEY_A).set("two", undefined);
      await runPipeline(schedule, deps());
      world.clock += 3_600_000;
      // A clock that moves, so the two runs' spans really overlap.
      const ticking = () => new Date(world.clock++);
      await Promise.all([runPipeline(schedule, deps({ now: ticking })), runPipeline({ trigger: "cloudtrail", buckets: ["one"] }, deps({ now: ticking }))]);

      world.clock += 3_600_000;
      const after = await runPipeline(schedule, deps());
      expect(after.resendAll).to.equal("overlappingRuns");
      expect(after.counts.sent).to.equal(after.counts.findings);
      expect(after.status).to.equal("complete");

      world.clock += 3_600_000;
      const settled = await runPipeline(schedule, deps());
      expect(settled.resendAll).to.equal(undefined);
      expect(settled.counts.sent).to.equal(0);
    });

    it("a bucket-scoped run after an outage re-sends its scope and leaves the reconciliation to the next full scan", async () => {
      const proxy = await mongoBehindProxy();
      world.buckets.set("one", KEY_A).set("two", undefined);
      world.keyStates.set(KEY_A, "Disabled");
      await runPipeline(schedule, deps());
      await proxy.stop();
      world.clock += 3_600_000;
      world.keyStates.set(KEY_A, "Enabled");
      await runPipeline(schedule, deps()); // outage: PASSED, unrecorded
      await proxyAgain(proxy.port);
      world.clock += 3_600_000;
      const scoped = await runPipeline({ trigger: "cloudtrail", buckets: ["two"] }, deps());
      expect(scoped.resendAll).to.equal("unrecordedFindings");
      expect(scoped.counts.sent).to.equal(scoped.counts.findings);
      // The scoped run could not vouch for bucket "one": the next run is still told to re-send.
      world.clock += 3_600_000;
      world.keyStates.set(KEY_A, "Disabled");
      const full = await runPipeline(schedule, deps());
      expect(full.resendAll).to.not.equal(undefined);
      expect(usable().Compliance?.Status).to.equal("FAILED");
      world.clock += 3_600_000;
      const settled = await runPipeline(schedule, deps());
      expect(settled.resendAll).to.equal(undefined);
      expect(settled.counts.sent).to.equal(0);
    });
  });
});
