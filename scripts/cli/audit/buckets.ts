/**
 * `audit buckets`: audits S3 buckets with the user's AWS credentials (or offline from a snapshot)
 * and prints a table, JSON, ASFF findings or a self-contained HTML page.
 *
 * Exit codes: 0 when no FAILED result reaches --fail-on (default: never fails), 3 when one does,
 * 2 for usage errors (bad options, unreadable snapshot), 1 when the audit itself cannot run.
 */
import { writeFile } from "node:fs/promises";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { STSClient } from "@aws-sdk/client-sts";
import { KMSClient } from "@aws-sdk/client-kms";
import { Command, InvalidArgumentError, Option } from "commander";
import { auditBuckets, type AuditDeps } from "../../../functions/shared/cspm/s3/audit";
import { s3CheckMetadata } from "../../../functions/shared/cspm/s3/checks/index";
import { DEFAULT_CONCURRENCY } from "../../../functions/shared/cspm/s3/inventory";
import { accountResourceId, buildFinding } from "../../../functions/shared/cspm/asff";
import type { S3AuditReport } from "../../../functions/shared/cspm/audit-types";
import { type CheckResult, SEVERITY_ORDER, type Severity } from "../../../functions/shared/cspm/check";
import { ValidationError } from "../../../functions/shared/platform/errors";
import { regionalClients } from "../../../functions/shared/platform/aws-clients";
import { REPLAY_CREDENTIALS, SnapshotRecorder, SnapshotReplayer, type SendingClient } from "../../../functions/shared/cspm/snapshot";
import { type Cell, type CliIo, EXIT_OK, SEVERITY_COLOR, STATUS_COLOR, collect, paint, processIo, renderTable as renderCells, reportError, sdkDefaultRegion, useColor } from "./cli";
import { effectiveSeverity, renderHtmlReport, summarize } from "./html-report";
import { addKeyFindings, withKeyFindings } from "./bucket-keys";

export const SNAPSHOT_KIND = "s3-buckets";
/** The bucket checks and the key findings. */
const bucketMetadata = withKeyFindings(s3CheckMetadata);
/** Exit code when a failed check reaches --fail-on. */
export const EXIT_FINDINGS = 3;

const OUTPUTS = ["table", "json", "asff", "html"] as const;
export type OutputFormat = (typeof OUTPUTS)[number];

export interface BucketsCommandOptions {
  readonly bucket?: readonly string[];
  readonly region?: string;
  readonly concurrency?: number;
  readonly output?: OutputFormat;
  readonly out?: string;
  readonly failOn?: Severity;
  readonly saveSnapshot?: string;
  readonly fromSnapshot?: string;
}

/** The shared CLI io plus, for tests, the clients of a live run (default: the SDK's credential chain). */
export interface BucketsIo extends CliIo {
  readonly liveClients?: LiveClients;
}

export interface LiveClients {
  homeRegion(): Promise<string>;
  s3(region: string): SendingClient;
  kms(region: string): SendingClient;
  s3Control(region: string): SendingClient;
  sts(region: string): SendingClient;
}

/** Clients from the user's credential chain, with the platform's one retry policy (the SDK's standard retries). */
export const sdkClients: LiveClients = {
  async homeRegion() {
    return (await sdkDefaultRegion()) ?? "us-east-1";
  },
  s3: regionalClients((config) => new S3Client(config)),
  s3Control: regionalClients((config) => new S3ControlClient(config)),
  sts: regionalClients((config) => new STSClient(config)),
  kms: regionalClients((config) => new KMSClient(config)),
};

function parseSeverity(value: string): Severity {
  const upper = value.toUpperCase();
  if (!(SEVERITY_ORDER as readonly string[]).includes(upper)) throw new InvalidArgumentError(`use one of ${SEVERITY_ORDER.join(", ")} (any case).`);
  return upper as Severity;
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError("use an integer from 1 to 256.");
  return n;
}

/** Builds the audit's clients: replayed from a snapshot, live (optionally recorded), never both. */
async function auditDeps(options: BucketsCommandOptions, io: BucketsIo): Promise<{ deps: AuditDeps; kms: (region: string) => KMSClient; recorder?: SnapshotRecorder }> {
  if (options.fromSnapshot) {
    const replayer = await SnapshotReplayer.load(options.fromSnapshot);
    if (replayer.snapshot.kind !== SNAPSHOT_KIND) {
      throw new ValidationError(`${options.fromSnapshot} is a "${replayer.snapshot.kind}" snapshot; audit buckets needs "${SNAPSHOT_KIND}".`, "InvalidSnapshot");
    }
    const homeRegion = replayer.regions("sts")[0] ?? "us-east-1";
    return {
      deps: {
        homeRegion,
        s3: (region) => replayer.replay(new S3Client({ region, credentials: REPLAY_CREDENTIALS }), "s3", region),
        s3Control: (region) => replayer.replay(new S3ControlClient({ region, credentials: REPLAY_CREDENTIALS }), "s3-control", region),
        sts: (region) => replayer.replay(new STSClient({ region, credentials: REPLAY_CREDENTIALS }), "sts", region),
      },
      kms: (region) => replayer.replay(new KMSClient({ region, credentials: REPLAY_CREDENTIALS }), "kms", region),
    };
  }
  const live = io.liveClients ?? sdkClients;
  const homeRegion = await live.homeRegion();
  const recorder = options.saveSnapshot ? new SnapshotRecorder(SNAPSHOT_KIND) : undefined;
  const wrap = <C extends SendingClient>(client: C, service: string, region: string): C => (recorder ? recorder.record(client, service, region) : client);
  return {
    deps: {
      homeRegion,
      s3: (region) => wrap(live.s3(region), "s3", region),
      s3Control: (region) => wrap(live.s3Control(region), "s3-control", region),
      sts: (region) => wrap(live.sts(region), "sts", region),
    },
    kms: (region) => wrap(live.kms(region), "kms", region) as KMSClient,
    ...(recorder ? { recorder } : {}),
  };
}

const PROGRESS_MIN_BUCKETS = 20;

function progressBar(io: BucketsIo): ((done: number, total: number) => void) | undefined {
  if (!io.stderrIsTty) return undefined;
  return (done, total) => {
    if (total < PROGRESS_MIN_BUCKETS) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    io.stderr(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} buckets${done === total ? "\n" : ""}`);
  };
}

/** FAILED results whose severity reaches the threshold. */
export function failingResults(report: S3AuditReport, threshold: Severity | undefined): CheckResult[] {
  if (!threshold) return [];
  const min = SEVERITY_ORDER.indexOf(threshold);
  return [...report.account.results, ...report.buckets.flatMap((b) => b.results)].filter((r) => r.status === "FAILED" && SEVERITY_ORDER.indexOf(effectiveSeverity(r, bucketMetadata)) >= min);
}

function renderTable(report: S3AuditReport, color: boolean): string {
  const rows: Cell[][] = [];
  const add = (resource: string, results: readonly CheckResult[]) => {
    for (const r of results) {
      if (r.status === "PASSED" || r.status === "NOT_APPLICABLE") continue;
      const severity = effectiveSeverity(r, bucketMetadata);
      const verdict: Cell = r.status === "FAILED" ? { text: severity, color: SEVERITY_COLOR[severity] ?? STATUS_COLOR.FAILED } : { text: r.status, color: STATUS_COLOR[r.status] };
      rows.push([resource, bucketMetadata(r.checkId)?.securityHubControl ?? "", verdict, r.reason + (r.errorCode ? ` [${r.errorCode}]` : "")]);
    }
  };
  add(`account ${report.accountId}`, report.account.results);
  for (const b of report.buckets) add(b.bucket, b.results);
  const summary = summarize(report, bucketMetadata);
  const bySeverity = [...SEVERITY_ORDER].reverse().map((s) => `${paint(s, SEVERITY_COLOR[s], color)} ${summary.failedBySeverity[s]}`).join("  ");
  const out = [
    `S3 audit of account ${report.accountId}: ${report.buckets.length} bucket(s), ${report.apiCalls} API calls`,
    `Failed by severity: ${bySeverity}`,
    `${summary.failed} failed, ${summary.warning} warning, ${summary.notAvailable} not available, ${summary.passed} passed, ${summary.notApplicable} not applicable`,
    "",
    rows.length > 0 ? renderCells(["RESOURCE", "CONTROL", "RESULT", "REASON"], rows, color).trimEnd() : "Every check passed.",
  ];
  if (report.deletedBuckets.length > 0) out.push("", `Not audited (deleted during the scan or not found): ${report.deletedBuckets.join(", ")}`);
  for (const e of report.errors) out.push(`Error${e.bucket ? ` on ${e.bucket}` : ""}: ${e.code} ${e.message}`);
  return out.join("\n") + "\n";
}

function renderAsff(report: S3AuditReport, now: Date): string {
  const product = { accountId: report.accountId, partition: report.partition, region: report.account.region };
  const findings = [];
  for (const r of report.account.results) {
    if (r.status === "NOT_APPLICABLE") continue;
    findings.push(buildFinding({ product, result: r, now, resources: [{ type: "AwsAccount", id: accountResourceId(report.accountId), partition: report.partition, region: report.account.region }] }, bucketMetadata));
  }
  for (const b of report.buckets) {
    for (const r of b.results) {
      if (r.status === "NOT_APPLICABLE") continue;
      findings.push(buildFinding({ product, result: r, now, resources: [{ type: "AwsS3Bucket", id: b.arn, partition: report.partition, region: b.region }] }, bucketMetadata));
    }
  }
  return JSON.stringify(findings, null, 2) + "\n";
}

export function renderReport(report: S3AuditReport, format: OutputFormat, color: boolean, now: Date = new Date(report.finishedAt)): string {
  switch (format) {
    case "json":
      return JSON.stringify(report, null, 2) + "\n";
    case "asff":
      return renderAsff(report, now);
    case "html":
      return renderHtmlReport(report, bucketMetadata);
    case "table":
      return renderTable(report, color);
  }
}

/** Runs `audit buckets` and returns its exit code; never calls process.exit. */
export async function runBuckets(options: BucketsCommandOptions, io: BucketsIo = processIo()): Promise<number> {
  try {
    if (options.fromSnapshot && options.saveSnapshot) throw new ValidationError("--from-snapshot and --save-snapshot cannot be combined: a replay records nothing new.");
    const { deps, kms, recorder } = await auditDeps(options, io);
    const onProgress = progressBar(io);
    const bucketsOnly = await auditBuckets(deps, {
      ...(options.bucket && options.bucket.length > 0 ? { buckets: options.bucket } : {}),
      ...(options.region ? { region: options.region } : {}),
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      ...(onProgress ? { onProgress } : {}),
    });
    // Each distinct key judged once, in-process, with the KMS auditor's checks: the same key findings the Lambda sends.
    const report = await addKeyFindings(bucketsOnly, kms, new Date(bucketsOnly.finishedAt));
    if (recorder && options.saveSnapshot) {
      await recorder.save(options.saveSnapshot);
      io.stderr(`Saved the raw configuration to ${options.saveSnapshot}.\n`);
    }
    const color = !options.out && useColor(io);
    const text = renderReport(report, options.output ?? "table", color);
    if (options.out) await writeFile(options.out, text, "utf8");
    else io.stdout(text);
    const failing = failingResults(report, options.failOn);
    if (failing.length > 0) {
      io.stderr(`${failing.length} failed check(s) at or above ${options.failOn}.\n`);
      return EXIT_FINDINGS;
    }
    return EXIT_OK;
  } catch (error) {
    return reportError(io, "audit buckets", error);
  }
}

/** Adds `buckets` to the audit program. */
export function register(program: Command): Command {
  return program
    .command("buckets")
    .description("Audit S3 buckets: Block Public Access, effective public read/write, TLS-only policy, cross-account access, KMS encryption, versioning, logging, and more.")
    .option("--bucket <name>", "audit only this bucket (repeatable)", collect, [] as string[])
    .option("--region <region>", "audit only buckets in this region")
    .option("--concurrency <n>", `AWS calls in flight at once (default ${DEFAULT_CONCURRENCY})`, parseConcurrency)
    .addOption(new Option("--output <format>", "output format").choices([...OUTPUTS]).default("table"))
    .option("--out <file>", "write the output to a file instead of stdout")
    .option("--fail-on <severity>", "exit 3 when a failed check has this severity or higher (default: never)", parseSeverity)
    .option("--save-snapshot <file>", "record the raw AWS answers to a file (see docs/snapshots.md)")
    .option("--from-snapshot <file>", "audit offline from a recorded snapshot instead of AWS")
    .addHelpText("after", "\nExit codes: 0 no failed check reaches --fail-on, 3 one does, 2 usage error, 1 the audit could not run.")
    .action(async (opts: BucketsCommandOptions) => {
      process.exitCode = await runBuckets(opts);
    });
}
