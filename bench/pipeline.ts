/**
 * Bench: 1,000 buckets through the whole findings pipeline with injected latency.
 * Fakes: the audit (a report built in memory), the KMS audit API (latency per call), Security Hub
 * (latency per call, the real 10 req/s token bucket), MongoDB through the real driver against the
 * wire-protocol test server. Prints figures; asserts nothing.
 *
 *   npx tsx bench/pipeline.ts
 */
import { mockClient } from "aws-sdk-client-mock";
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { MongoClient } from "mongodb";
import type { BucketAudit, KeyAudit, S3AuditReport } from "../functions/shared/cspm/audit-types";
import type { CheckResult, Fetched } from "../functions/shared/cspm/check";
import { FindingsStore } from "../functions/shared/cspm/findings-store";
import { TokenBucket } from "../functions/shared/cspm/security-hub";
import { BUCKET_CHECKS, ACCOUNT_CHECKS, s3CheckMetadata } from "../functions/shared/cspm/s3/checks/index";
import { runAudit as runPipeline } from "../functions/s3-auditor/pipeline/run";
import type { RunSummary } from "../functions/s3-auditor/pipeline/types";
import { startMongoWireServer } from "../test/support/mongo-wire-server";

const BUCKETS = 1000;
const DISTINCT_KEYS = 40;
const KMS_LATENCY_MS = 60;
const KMS_CONCURRENCY = 8;
const HUB_LATENCY_MS = 80;
const ACCOUNT = "111122223333";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function report(round: number): S3AuditReport {
  const buckets: BucketAudit[] = [];
  for (let i = 0; i < BUCKETS; i++) {
    // 3 buckets in 4 use a KMS key; some name it by alias, some by bare id, some by ARN.
    const k = i % DISTINCT_KEYS;
    const keyId = `${String(k).padStart(8, "0")}-0000-0000-0000-000000000000`;
    const ref = i % 4 === 3 ? undefined : i % 3 === 0 ? `alias/key-${k}` : i % 3 === 1 ? keyId : `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${keyId}`;
    const results: CheckResult[] = BUCKET_CHECKS.map((c, j) => ({
      checkId: c.metadata.id,
      status: (i + j + (round > 1 && i % 10 === 0 ? 1 : 0)) % 5 === 0 ? "FAILED" : (i + j) % 7 === 0 ? "NOT_APPLICABLE" : "PASSED",
      reason: `Result ${j} for bucket ${i}.`,
    }));
    buckets.push({ bucket: `bucket-${i}`, region: "eu-west-1", arn: `arn:aws:s3:::bucket-${i}`, kmsKeyIds: ref ? [ref] : [], results });
  }
  const now = new Date().toISOString();
  return {
    accountId: ACCOUNT,
    partition: "aws",
    startedAt: now,
    finishedAt: now,
    scope: { regions: ["eu-west-1"] },
    account: { region: "eu-west-1", results: ACCOUNT_CHECKS.map((c) => ({ checkId: c.metadata.id, status: "PASSED", reason: "ok" })) },
    buckets,
    deletedBuckets: [],
    errors: [],
    apiCalls: 0,
  };
}

async function main(): Promise<void> {
  const server = await startMongoWireServer();
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 2000 });
  const store = new FindingsStore(async () => client, "bench");
  const hubClient = new SecurityHubClient({ region: "eu-west-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
  const hub = mockClient(hubClient);
  const calls = { import: 0, update: 0, get: 0 };
  hub.on(BatchImportFindingsCommand).callsFake(async () => {
    calls.import++;
    await sleep(HUB_LATENCY_MS);
    return { FailedFindings: [] };
  });
  hub.on(BatchUpdateFindingsCommand).callsFake(async () => {
    calls.update++;
    await sleep(HUB_LATENCY_MS);
    return { UnprocessedFindings: [] };
  });
  hub.on(GetFindingsCommand).callsFake(async () => {
    calls.get++;
    await sleep(HUB_LATENCY_MS);
    return { Findings: [] };
  });
  const importLimiter = new TokenBucket(10, 30);
  const getLimiter = new TokenBucket(3, 6);

  const runOnce = async (round: number): Promise<{ summary: RunSummary; ms: number; kmsRequests: number }> => {
    calls.import = calls.update = calls.get = 0;
    let kmsRequests = 0;
    const started = Date.now();
    const summary = await runPipeline(
      { trigger: "schedule", regions: ["eu-west-1"] },
      {
        audit: async () => ({ report: report(round) }),
        auditKey: async (ref): Promise<Fetched<KeyAudit>> => {
          kmsRequests++;
          await sleep(KMS_LATENCY_MS);
          return { ok: true, value: { keyId: ref.split("/")[1]!, keyArn: ref, region: "eu-west-1", accountId: ACCOUNT, facts: { keyState: "Enabled" }, results: [] } };
        },
        resolveAlias: async (alias) => {
          const k = /alias\/key-(\d+)$/.exec(alias)?.[1];
          return k === undefined ? undefined : `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${k.padStart(8, "0")}-0000-0000-0000-000000000000`;
        },
        metadata: s3CheckMetadata,
        securityHub: hubClient,
        securityHubRegion: "eu-west-1",
        securityHubLimiter: importLimiter,
        getFindingsLimiter: getLimiter,
        store,
        kmsConcurrency: KMS_CONCURRENCY,
      },
    );
    return { summary, ms: Date.now() - started, kmsRequests };
  };

  console.log(`bench: ${BUCKETS} buckets, ${DISTINCT_KEYS} KMS keys (30 of them in use) (named by ARN, bare id and alias), KMS API ${KMS_LATENCY_MS} ms x ${KMS_CONCURRENCY} in flight, Security Hub ${HUB_LATENCY_MS} ms a call at 10 req/s burst 30`);
  for (const [round, label] of [
    [1, "first run (nothing known)"],
    [2, "second run (10% of buckets changed)"],
  ] as const) {
    const { summary, ms, kmsRequests } = await runOnce(round);
    // Ideal: KMS calls fully parallel within the concurrency, Security Hub calls at exactly the rate limit after the burst.
    const kmsIdeal = Math.ceil(summary.counts.kmsKeys / KMS_CONCURRENCY) * KMS_LATENCY_MS;
    const hubIdeal = Math.max(0, calls.import + calls.update - 30) * 100 + HUB_LATENCY_MS + Math.max(0, calls.get - 6) * 334;
    const ideal = kmsIdeal + hubIdeal;
    console.log(`\n${label}`);
    console.log(`  KMS API calls: ${kmsRequests} (distinct keys: ${summary.counts.kmsKeys})`);
    console.log(`  findings: ${summary.counts.findings} built, ${summary.counts.sent} sent, ${summary.counts.unchanged} unchanged, ${summary.counts.archived} archived, ${summary.counts.resolved} resolved`);
    console.log(`  Security Hub calls: ${calls.import} BatchImportFindings, ${calls.update} BatchUpdateFindings, ${calls.get} GetFindings`);
    console.log(`  MongoDB writes: ${summary.counts.storeWrites}; status ${summary.status}`);
    console.log(`  wall time: ${ms} ms; ideal ${ideal} ms (KMS ${kmsIdeal} + Security Hub ${hubIdeal}); ratio ${(ms / ideal).toFixed(2)}`);
  }
  await client.close();
  await server.stop();
  hub.restore();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
