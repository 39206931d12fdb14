/**
 * `npm run bench:audit`: audits 1,000 generated buckets served from an in-memory snapshot through
 * replay clients that answer each call after 20 ms, and prints the wall time against the ideal
 * (calls × 20 ms / concurrency) and the AWS calls per bucket. Figures only, no assertions.
 *
 *   npm run bench:audit -- [--buckets 1000] [--latency 20] [--concurrency 16]
 */
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { STSClient } from "@aws-sdk/client-sts";
import { auditBuckets } from "../functions/shared/cspm/s3/audit";
import { REPLAY_CREDENTIALS, type SendingClient, SnapshotReplayer } from "../functions/shared/cspm/snapshot";
import { type BucketSpec, buildSnapshot } from "../test/functions/s3-auditor/snapshot-fixture";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const BUCKETS = arg("buckets", 1000);
const LATENCY_MS = arg("latency", 20);
const CONCURRENCY = arg("concurrency", 16);
const REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"];
const PROWLER_CALLS_PER_BUCKET = 13;

/** A realistic mix: most buckets have a policy and ACLs disabled; some have no policy; some still use ACLs. */
function buckets(): BucketSpec[] {
  return Array.from({ length: BUCKETS }, (_, i): BucketSpec => {
    const name = `bench-bucket-${String(i).padStart(5, "0")}`;
    const region = REGIONS[i % REGIONS.length]!;
    if (i % 5 === 1) return { name, region, answers: { GetBucketPolicy: { error: "NoSuchBucketPolicy" } } };
    if (i % 5 === 2) {
      return {
        name,
        region,
        answers: {
          GetBucketOwnershipControls: { error: "OwnershipControlsNotFoundError" },
          GetBucketAcl: { output: { Owner: { ID: "owner" }, Grants: [{ Grantee: { Type: "CanonicalUser", ID: "owner" }, Permission: "FULL_CONTROL" }] } },
          GetBucketEncryption: { output: { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } } },
        },
      };
    }
    return { name, region };
  });
}

async function main(): Promise<void> {
  const snapshot = buildSnapshot({ accountId: "111122223333", homeRegion: "us-east-1", accountPublicAccessBlock: { error: "NoSuchPublicAccessBlockConfiguration" }, buckets: buckets() });
  const replayer = new SnapshotReplayer(snapshot);
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  let calls = 0;
  /** Every answer arrives after LATENCY_MS, like a round trip to S3. */
  const slow = <C extends SendingClient>(client: C): C => {
    const send = client.send.bind(client);
    client.send = async (command: unknown) => {
      calls++;
      await sleep(LATENCY_MS);
      return send(command);
    };
    return client;
  };
  const deps = {
    homeRegion: "us-east-1",
    s3: (region: string) => slow(replayer.replay(new S3Client({ region, credentials: REPLAY_CREDENTIALS }), "s3", region)),
    s3Control: (region: string) => slow(replayer.replay(new S3ControlClient({ region, credentials: REPLAY_CREDENTIALS }), "s3-control", region)),
    sts: (region: string) => slow(replayer.replay(new STSClient({ region, credentials: REPLAY_CREDENTIALS }), "sts", region)),
  };

  const started = process.hrtime.bigint();
  const report = await auditBuckets(deps, { concurrency: CONCURRENCY });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const idealMs = (calls * LATENCY_MS) / CONCURRENCY;
  const failed = report.buckets.flatMap((b) => b.results).filter((r) => r.status === "FAILED").length;

  const rows: [string, string][] = [
    ["buckets audited", `${report.buckets.length} (${report.errors.length} errors, ${report.deletedBuckets.length} deleted)`],
    ["concurrency (calls in flight)", String(CONCURRENCY)],
    ["latency per call", `${LATENCY_MS} ms`],
    ["AWS calls", `${calls} (report counts ${report.apiCalls})`],
    ["calls per bucket", `${(calls / report.buckets.length).toFixed(2)} (Prowler: ~${PROWLER_CALLS_PER_BUCKET})`],
    ["wall time", `${(wallMs / 1000).toFixed(2)} s`],
    ["ideal (calls × latency / concurrency)", `${(idealMs / 1000).toFixed(2)} s`],
    ["wall / ideal", `${(wallMs / idealMs).toFixed(3)}× (target ≤ 1.3×)`],
    ["failed results", String(failed)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
