/**
 * The findings pipeline of the S3 auditor, as pure orchestration over injected dependencies:
 * audit -> ask the KMS audit API once per distinct key -> attach key results to buckets -> optional
 * OPA -> ASFF findings -> prior state (MongoDB, Security Hub as fallback) -> Security Hub
 * (import, resolve, archive within scope) -> MongoDB -> one run summary.
 *
 * Failure behaviour (docs/findings-pipeline.md): the KMS API failing gives NOT_AVAILABLE findings;
 * MongoDB failing never stops Security Hub from getting every finding, it makes the run partial.
 */
import { createHash, randomUUID } from "node:crypto";
import type { AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import type { BucketAudit, KeyAudit, S3AuditReport } from "../shared/cspm/audit-types";
import {
  accountResourceId,
  archiveFinding,
  buildFinding,
  findingId,
  fingerprint,
  productArn,
  type FindingComplianceStatus,
  type FindingProduct,
  type FindingResource,
  type MetadataLookup,
  type PriorFinding,
} from "../shared/cspm/asff";
import { SEVERITY_ORDER, type CheckMetadata, type CheckResult, type Fetched, type Severity } from "../shared/cspm/check";
import { PlatformError, awsErrorCode } from "../shared/platform/errors";
import type { AuditRunDocument, FindingWrite, FindingsStore, PipelineState, PriorRecord, RunWindow } from "../shared/cspm/findings-store";
import {
  fetchPriorFindings,
  findUnrecordedFindings,
  importFindings,
  markUnrecorded,
  resolveFindings,
  withoutUnrecordedMarker,
  type SecurityHubOptions,
  type SecurityHubSender,
  type TokenBucket,
} from "../shared/cspm/security-hub";
import { mapWithConcurrency } from "../shared/platform/concurrency";
import { auditDistinctKeys, canonicalKeyRef } from "./kms-api-client";

/** What to audit, from the trigger (functions/s3-auditor/events.ts). */
export interface AuditScope {
  readonly trigger: "schedule" | "cloudtrail" | "direct";
  /** Regions of a full scan. */
  readonly regions?: readonly string[];
  /** Only these buckets. */
  readonly buckets?: readonly string[];
  /** Buckets a DeleteBucket event named: their findings are archived. */
  readonly deletedBuckets?: readonly string[];
}

export interface AuditOutput {
  readonly report: S3AuditReport;
  /** Normalised configuration per bucket name, for OPA. */
  readonly configurations?: ReadonlyMap<string, unknown>;
}

export interface Logger {
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

export interface OpaSettings {
  /** Base URL of OPA, e.g. `http://opa.internal:8181`. */
  readonly url: string;
  /** Data API path of the rule set, e.g. `cspm/s3/deny` (result: messages) or `cspm/s3` (result.deny). */
  readonly path: string;
  /** @default 3000 */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export type FindingsStorePort = Pick<
  FindingsStore,
  "ensureIndexes" | "priorByIds" | "activeByResources" | "activeInRegions" | "upsertFindings" | "recordRun" | "runHistory" | "markPending" | "noteRun"
>;

export interface PipelineDeps {
  audit(scope: AuditScope): Promise<AuditOutput>;
  /** One KMS audit API call (the client de-duplicates per run). */
  auditKey(keyRef: string): Promise<Fetched<KeyAudit>>;
  /** Alias ARN -> key ARN, so two names of one key cost one API call. */
  resolveAlias?(aliasArn: string): Promise<string | undefined>;
  /** Metadata of the S3 auditor's checks. */
  readonly metadata: MetadataLookup;
  readonly securityHub: SecurityHubSender;
  /** The region findings are imported into (the product ARN's region). */
  readonly securityHubRegion: string;
  /** Shared by BatchImportFindings and BatchUpdateFindings (10 req/s, burst 30). */
  readonly securityHubLimiter: TokenBucket;
  /** For GetFindings, the prior-state fallback (3 req/s, burst 6). Without it there is no fallback. */
  readonly getFindingsLimiter?: TokenBucket;
  readonly securityHubOptions?: Omit<SecurityHubOptions, "limiter">;
  /** Absent: MongoDB not configured (the run is recorded nowhere but Security Hub, and is partial). */
  readonly store?: FindingsStorePort;
  readonly opa?: OpaSettings;
  /** Re-send unchanged findings after this many days (< 90, Security Hub's expiry). @default 7 */
  readonly refreshAfterDays?: number;
  /** KMS API calls in flight. @default 8 */
  readonly kmsConcurrency?: number;
  now?(): Date;
  runId?(): string;
  readonly logger?: Logger;
}

export interface RunError {
  readonly source: "audit" | "kms" | "opa" | "securityHub" | "store" | "priorFallback";
  readonly code: string;
  readonly message: string;
}

export interface RunSummary {
  readonly runId: string;
  /**
   * `partial`: a sink (Security Hub, MongoDB) or the inventory failed part of the run; `degraded`:
   * every finding was delivered, but some could not be judged (a KMS key lookup or OPA failed);
   * `complete`: neither.
   */
  readonly status: "complete" | "degraded" | "partial";
  /** Keys the KMS audit API could not fully answer for (their findings are NOT_AVAILABLE). */
  readonly failedKeys: readonly string[];
  readonly scope: AuditScope;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly counts: {
    readonly buckets: number;
    readonly kmsKeys: number;
    readonly kmsApiCalls: number;
    readonly kmsUnavailable: number;
    readonly findings: number;
    readonly sent: number;
    readonly unchanged: number;
    readonly archived: number;
    readonly resolved: number;
    readonly failed: number;
    readonly securityHubCalls: number;
    readonly priorFallbackCalls: number;
    readonly storeWrites: number;
  };
  readonly store: "ok" | "unavailable" | "not-configured";
  readonly errors: readonly RunError[];
  /**
   * Set when MongoDB's "last sent" fingerprints were not trusted and every finding in scope was
   * re-sent: `unrecordedFindings` (Security Hub holds findings a run could not record in MongoDB),
   * `overlappingRuns` (two recorded runs overlapped in time), `notReconciled` (an earlier run found
   * one of those and no complete full scan has re-sent everything since).
   */
  readonly resendAll?: ResendReason;
}

export type ResendReason = "unrecordedFindings" | "overlappingRuns" | "notReconciled";

/** Two recorded runs whose spans overlap since `since`: their writes to Security Hub and MongoDB may have crossed. */
export function overlappingRuns(runs: readonly RunWindow[], since?: string): boolean {
  const relevant = runs.filter((r) => !since || r.finishedAt >= since).map((r) => [Date.parse(r.startedAt), Date.parse(r.finishedAt)] as const);
  for (let i = 0; i < relevant.length; i++) {
    for (let j = i + 1; j < relevant.length; j++) {
      const [a0, a1] = relevant[i]!;
      const [b0, b1] = relevant[j]!;
      if (a0 < b1 && b0 < a1) return true;
    }
  }
  return false;
}

/** Why MongoDB cannot be trusted according to the state document alone (no Security Hub call). */
function staleFromState(state: PipelineState): ResendReason | undefined {
  if (state.dirtySince && (!state.reconciledAt || state.dirtySince >= state.reconciledAt)) return "notReconciled";
  if (overlappingRuns(state.recentRuns, state.reconciledAt)) return "overlappingRuns";
  return undefined;
}

const DAY_MS = 86_400_000;
const STALE_KEY_STATES = new Set(["PendingDeletion", "PendingReplicaDeletion", "Disabled"]);

/** Checks the pipeline itself emits on buckets, from the KMS audit API's answers. */
export const KMS_KEY_USABLE: CheckMetadata = {
  id: "s3_bucket_kms_key_usable",
  title: "S3 bucket's KMS key is enabled and not pending deletion",
  severity: "CRITICAL",
  securityHubControl: "KMS.3",
  resourceType: "AwsS3Bucket",
  description:
    "The bucket's default encryption names a KMS key. If that key is disabled or scheduled for deletion, new writes fail and, once it is deleted, every object encrypted under it is lost.",
  remediation: {
    text: "Cancel the key deletion (aws kms cancel-key-deletion) or enable the key, or change the bucket's default encryption to a key that is enabled.",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html",
  },
};

export const KMS_KEY_CHECKS: CheckMetadata = {
  id: "s3_bucket_kms_key_checks_passed",
  title: "KMS keys used by the S3 bucket pass the KMS checks",
  severity: "MEDIUM",
  resourceType: "AwsS3Bucket",
  description: "The KMS auditor's checks (rotation, key policy exposure, cross-account access, ...) of every key the bucket's default encryption uses.",
  remediation: { text: "Fix the failed checks of the KMS key named in this finding; see the key's own findings for details." },
};

export const OPA_UNAVAILABLE_PREFIX = "opa";
/** The check that reads the bucket's default encryption (the source of its KMS key references). */
const ENCRYPTION_CHECK_ID = "s3_bucket_kms_encryption";

function opaCheckId(path: string, message?: string): string {
  const base = `${OPA_UNAVAILABLE_PREFIX}/${path}`;
  return message === undefined ? base : `${base}/${createHash("sha256").update(message).digest("hex").slice(0, 16)}`;
}

function maxSeverity(severities: readonly Severity[], fallback: Severity): Severity {
  return severities.reduce((a, b) => (SEVERITY_ORDER.indexOf(b) > SEVERITY_ORDER.indexOf(a) ? b : a), fallback);
}

function keyRegion(keyArn: string, fallback: string): string {
  return keyArn.split(":")[3] || fallback;
}

/**
 * Why a key's audit cannot be relied on, or undefined when it was fully read: the API did not
 * answer, the key's state is unknown, or any of its checks is NOT_AVAILABLE (access denied, a key
 * in another account, an unreadable policy). Such a key never passes.
 */
export function keyUnreadable(audit: Fetched<KeyAudit> | undefined): { errorCode: string; message: string } | undefined {
  if (!audit) return { errorCode: "NotAsked", message: "the key was not asked for" };
  if (!audit.ok) return { errorCode: audit.errorCode, message: audit.message ?? "the KMS audit API did not answer" };
  const unavailable = audit.value.results.find((r) => r.status === "NOT_AVAILABLE");
  if (unavailable) return { errorCode: unavailable.errorCode ?? "NotAvailable", message: `${unavailable.checkId} could not be evaluated: ${unavailable.reason}` };
  if (typeof audit.value.facts.keyState !== "string") return { errorCode: "UnknownKeyState", message: "the key's state is unknown" };
  return undefined;
}

/**
 * The bucket's key findings from the KMS API's answers: pending deletion or disabled is CRITICAL
 * FAILED; an answer we could not get is NOT_AVAILABLE; a bucket without a KMS key gets neither
 * (NOT_APPLICABLE, so an earlier finding is archived).
 */
export function keyResults(refs: readonly string[], audits: ReadonlyMap<string, Fetched<KeyAudit>>, encryptionUnreadable?: CheckResult): CheckResult[] {
  if (refs.length === 0 && encryptionUnreadable) {
    // The keys are unknown, not absent: never turn the API error into NOT_APPLICABLE (which archives).
    const reason = `The bucket's default encryption could not be read, so its KMS keys are unknown: ${encryptionUnreadable.reason}`;
    const errorCode = encryptionUnreadable.errorCode ?? "Unknown";
    return [
      { checkId: KMS_KEY_USABLE.id, status: "NOT_AVAILABLE", reason, errorCode },
      { checkId: KMS_KEY_CHECKS.id, status: "NOT_AVAILABLE", reason, errorCode },
    ];
  }
  if (refs.length === 0) {
    const reason = "The bucket's default encryption uses no KMS key.";
    return [
      { checkId: KMS_KEY_USABLE.id, status: "NOT_APPLICABLE", reason },
      { checkId: KMS_KEY_CHECKS.id, status: "NOT_APPLICABLE", reason },
    ];
  }
  const unusable: string[] = [];
  const unavailable: string[] = [];
  /** Error code of the first key the API did not answer for. */
  let unavailableCode = "Unknown";
  const failedChecks: { text: string; severity: Severity }[] = [];
  for (const ref of refs) {
    const audit = audits.get(ref);
    const unreadable = keyUnreadable(audit);
    if (unreadable) {
      if (unavailable.length === 0) unavailableCode = unreadable.errorCode;
      unavailable.push(`${ref} (${unreadable.errorCode})`);
    }
    if (!audit || !audit.ok) continue;
    const key = audit.value;
    const state = typeof key.facts.keyState === "string" ? key.facts.keyState : undefined;
    const stateFailed = key.results.find((r) => r.status === "FAILED" && /pending_deletion|key_enabled/.test(r.checkId));
    if ((state && STALE_KEY_STATES.has(state)) || stateFailed) unusable.push(`${key.keyArn} is ${state ?? stateFailed!.checkId}`);
    for (const r of key.results) {
      if (r.status === "FAILED" || r.status === "WARNING") failedChecks.push({ text: `${key.keyArn}: ${r.checkId} ${r.status}: ${r.reason}`, severity: r.severity ?? "MEDIUM" });
    }
  }
  const usable: CheckResult =
    unusable.length > 0
      ? { checkId: KMS_KEY_USABLE.id, status: "FAILED", severity: "CRITICAL", reason: `The bucket's KMS key cannot be relied on: ${unusable.join("; ")}.`, details: { unusable } }
      : unavailable.length > 0
        ? { checkId: KMS_KEY_USABLE.id, status: "NOT_AVAILABLE", reason: `The audit of ${unavailable.join(", ")} is not complete, so the key cannot be judged usable.`, errorCode: unavailableCode }
        : { checkId: KMS_KEY_USABLE.id, status: "PASSED", reason: "Every KMS key the bucket uses is enabled and not pending deletion." };
  const checks: CheckResult =
    failedChecks.length > 0
      ? {
          checkId: KMS_KEY_CHECKS.id,
          status: "FAILED",
          severity: maxSeverity(failedChecks.map((f) => f.severity), "LOW"),
          reason: `${failedChecks.length} KMS check(s) fail on the bucket's keys: ${failedChecks.map((f) => f.text).join(" | ")}`,
        }
      : unavailable.length > 0
        ? { checkId: KMS_KEY_CHECKS.id, status: "NOT_AVAILABLE", reason: `The audit of ${unavailable.join(", ")} is not complete, so its checks cannot be judged.`, errorCode: unavailableCode }
        : { checkId: KMS_KEY_CHECKS.id, status: "PASSED", reason: "Every KMS key the bucket uses passes the KMS checks." };
  return [usable, checks];
}

/** Unwraps `Fetched` values recursively so OPA sees plain configuration (`{ unavailable: code }` where a read failed). */
export function normaliseConfiguration(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseConfiguration);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (typeof obj.ok === "boolean" && (("value" in obj && obj.ok) || ("errorCode" in obj && !obj.ok))) {
      return obj.ok ? normaliseConfiguration(obj.value) : { unavailable: obj.errorCode };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = normaliseConfiguration(v);
    return out;
  }
  return value;
}

interface OpaDeny {
  readonly message: string;
  readonly severity?: Severity;
}

/** Evaluates one bucket's configuration with OPA's Data API; the deny messages, or an error code. */
export async function evaluateOpa(opa: OpaSettings, input: unknown): Promise<Fetched<OpaDeny[]>> {
  const url = `${opa.url.replace(/\/+$/, "")}/v1/data/${opa.path.replace(/^\/+/, "")}`;
  try {
    const response = await (opa.fetch ?? fetch)(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input }),
      signal: AbortSignal.timeout(opa.timeoutMs ?? 3000),
    });
    if (response.status !== 200) return { ok: false, errorCode: `OpaError${response.status}`, message: (await response.text()).slice(0, 300) };
    const body = (await response.json()) as { result?: unknown };
    const result = body.result;
    const raw = Array.isArray(result) ? result : result && typeof result === "object" && Array.isArray((result as { deny?: unknown }).deny) ? (result as { deny: unknown[] }).deny : [];
    const denies = raw
      .map((d): OpaDeny | undefined => {
        if (typeof d === "string") return { message: d };
        if (d && typeof d === "object" && typeof (d as { msg?: unknown }).msg === "string") {
          const severity = (d as { severity?: unknown }).severity;
          const s = typeof severity === "string" ? severity.toUpperCase() : undefined;
          return { message: (d as { msg: string }).msg, severity: SEVERITY_ORDER.includes(s as Severity) ? (s as Severity) : undefined };
        }
        return undefined;
      })
      .filter((d): d is OpaDeny => d !== undefined);
    return { ok: true, value: denies };
  } catch (error) {
    const e = error as Error;
    return { ok: false, errorCode: e.name === "TimeoutError" ? "OpaTimeout" : "OpaUnreachable", message: e.message };
  }
}

interface Item {
  readonly id: string;
  readonly result: CheckResult;
  readonly resources: readonly FindingResource[];
}

function bucketArn(partition: string, name: string): string {
  return `arn:${partition}:s3:::${name}`;
}

function storeError(error: unknown): RunError {
  return { source: "store", code: (error as PlatformError).code ?? awsErrorCode(error), message: (error as Error).message };
}

function resourceOf(prior: PriorFinding): string | undefined {
  return (prior as Partial<PriorRecord>).resourceId ?? prior.finding?.Resources?.[0]?.Id;
}

function checkOf(prior: PriorFinding): string | undefined {
  return (prior as Partial<PriorRecord>).checkId ?? prior.finding?.GeneratorId;
}

/** Runs the whole pipeline for one trigger. Throws only when the audit itself cannot run. */
export async function runPipeline(scope: AuditScope, deps: PipelineDeps): Promise<RunSummary> {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;
  const runId = deps.runId?.() ?? randomUUID();
  const started = now();
  const errors: RunError[] = [];

  const { report, configurations } = await deps.audit(scope);
  for (const e of report.errors) errors.push({ source: "audit", code: e.code, message: e.bucket ? `${e.bucket}: ${e.message}` : e.message });
  const product: FindingProduct = { accountId: report.accountId, partition: report.partition, region: deps.securityHubRegion };
  const product_arn = productArn(product);

  // KMS: one call per distinct key, results attached to every bucket using it.
  const refsByBucket = new Map<string, string[]>();
  for (const bucket of report.buckets) {
    refsByBucket.set(bucket.bucket, [...new Set(bucket.kmsKeyIds.map((ref) => canonicalKeyRef(ref, { partition: report.partition, region: bucket.region, accountId: report.accountId })))]);
  }
  let kmsApiCalls = 0;
  const keyAudits = await auditDistinctKeys(
    [...refsByBucket.values()].flat(),
    (ref) => {
      kmsApiCalls++;
      return deps.auditKey(ref);
    },
    deps.resolveAlias,
    deps.kmsConcurrency ?? 8,
  );
  const failedKeys: string[] = [];
  for (const [ref, audit] of keyAudits) {
    const unreadable = keyUnreadable(audit);
    if (unreadable) {
      failedKeys.push(ref);
      errors.push({ source: "kms", code: unreadable.errorCode, message: `${ref}: ${unreadable.message}` });
    }
  }
  const kmsUnavailable = failedKeys.length;

  // OPA (optional).
  const opaMetadata = new Map<string, CheckMetadata>();
  const opaFailedBuckets = new Set<string>();
  const opaResults = new Map<string, CheckResult[]>();
  if (deps.opa && configurations) {
    const opa = deps.opa;
    const unavailableMeta: CheckMetadata = {
      id: opaCheckId(opa.path),
      title: `OPA policy ${opa.path} could be evaluated`,
      severity: "LOW",
      resourceType: "AwsS3Bucket",
      description: `The bucket's configuration is evaluated by the OPA policy ${opa.path}.`,
      remediation: { text: "Check that the OPA endpoint is reachable from the S3 auditor and that the policy path exists." },
    };
    opaMetadata.set(unavailableMeta.id, unavailableMeta);
    await mapWithConcurrency(report.buckets, 8, async (bucket) => {
      const config = configurations.get(bucket.bucket);
      if (config === undefined) return;
      const answer = await evaluateOpa(opa, normaliseConfiguration(config));
      const results: CheckResult[] = [];
      if (!answer.ok) {
        opaFailedBuckets.add(bucket.arn);
        errors.push({ source: "opa", code: answer.errorCode, message: `${bucket.bucket}: ${answer.message ?? ""}` });
        results.push({ checkId: unavailableMeta.id, status: "NOT_AVAILABLE", reason: `OPA did not evaluate the bucket: ${answer.message ?? answer.errorCode}`, errorCode: answer.errorCode });
      } else {
        results.push({ checkId: unavailableMeta.id, status: "NOT_APPLICABLE", reason: "OPA evaluated the bucket." });
        for (const deny of answer.value) {
          const id = opaCheckId(opa.path, deny.message);
          opaMetadata.set(id, {
            id,
            title: `OPA policy ${opa.path}: ${deny.message}`,
            severity: deny.severity ?? "MEDIUM",
            resourceType: "AwsS3Bucket",
            description: `The OPA policy ${opa.path} denies the bucket's configuration: ${deny.message}`,
            remediation: { text: `Change the bucket's configuration so that ${opa.path} no longer denies it: ${deny.message}` },
          });
          results.push({ checkId: id, status: "FAILED", reason: deny.message });
        }
      }
      opaResults.set(bucket.bucket, results);
    });
  }

  const own = new Map<string, CheckMetadata>([[KMS_KEY_USABLE.id, KMS_KEY_USABLE], [KMS_KEY_CHECKS.id, KMS_KEY_CHECKS], ...opaMetadata]);
  const lookup: MetadataLookup = (id) => own.get(id) ?? deps.metadata(id);

  // Every (resource, result) of this run.
  const items: Item[] = [];
  const accountResource: FindingResource = { type: "AwsAccount", id: accountResourceId(report.accountId), partition: report.partition, region: report.account.region };
  for (const result of report.account.results) items.push({ id: findingId(accountResource.id, result.checkId), result, resources: [accountResource] });
  for (const bucket of report.buckets) {
    const resource: FindingResource = { type: "AwsS3Bucket", id: bucket.arn, partition: report.partition, region: bucket.region };
    const refs = refsByBucket.get(bucket.bucket) ?? [];
    const keyResources: FindingResource[] = refs.slice(0, 31).map((ref) => {
      const audit = keyAudits.get(ref);
      const arn = audit?.ok ? audit.value.keyArn : ref;
      return { type: "AwsKmsKey", id: arn, partition: report.partition, region: keyRegion(arn, bucket.region) };
    });
    for (const result of bucket.results) items.push({ id: findingId(bucket.arn, result.checkId), result, resources: [resource] });
    const encryption = bucket.results.find((r) => r.checkId === ENCRYPTION_CHECK_ID && r.status === "NOT_AVAILABLE");
    for (const result of keyResults(refs, keyAudits, encryption)) items.push({ id: findingId(bucket.arn, result.checkId), result, resources: [resource, ...keyResources] });
    for (const result of opaResults.get(bucket.bucket) ?? []) items.push({ id: findingId(bucket.arn, result.checkId), result, resources: [resource] });
  }

  // Scope: what may be archived.
  const auditedArns = new Set(report.buckets.map((b: BucketAudit) => b.arn));
  const auditedNames = new Set(report.buckets.map((b) => b.bucket));
  const deletedArns = new Set([...report.deletedBuckets, ...(scope.deletedBuckets ?? [])].filter((name) => !auditedNames.has(name)).map((name) => bucketArn(report.partition, name)));
  const fullScan = !scope.buckets?.length && !report.scope.buckets?.length;
  const scanRegions = [...new Set([...(report.scope.regions ?? []), ...(scope.regions ?? [])])];
  const inventoryFailed = report.errors.some((e) => !e.bucket);
  const erroredArns = new Set(report.errors.filter((e) => e.bucket).map((e) => bucketArn(report.partition, e.bucket!)));

  // Prior state: MongoDB, then Security Hub for what MongoDB cannot answer.
  const priors = new Map<string, PriorFinding>();
  /** Ids MongoDB has a record of (marked pending before they are sent again). */
  const storeKnown = new Set<string>();
  const sweepCandidates: PriorFinding[] = [];
  let pipelineState: PipelineState = { recentRuns: [] };
  /** Read time: Security Hub findings marked unrecorded at or after it are evidence against MongoDB. */
  const readAt = now();
  let storeState: RunSummary["store"] = deps.store ? "ok" : "not-configured";
  // On a fresh deployment there is nothing sent before to catch up on: skip the Security Hub lookup.
  let storeHasHistory = true;
  if (deps.store) {
    try {
      await deps.store.ensureIndexes();
      const history = await deps.store.runHistory();
      storeHasHistory = history.hasRecordedRuns;
      pipelineState = history.state;
      for (const [id, p] of await deps.store.priorByIds(items.map((i) => i.id))) {
        priors.set(id, p);
        storeKnown.add(id);
      }
      sweepCandidates.push(...(await deps.store.activeByResources([...auditedArns, ...deletedArns])));
      if (fullScan && scanRegions.length > 0 && !inventoryFailed) sweepCandidates.push(...(await deps.store.activeInRegions("AwsS3Bucket", scanRegions, [...auditedArns])));
    } catch (error) {
      storeState = "unavailable";
      priors.clear();
      storeKnown.clear();
      sweepCandidates.length = 0;
      errors.push(storeError(error));
      log?.error("MongoDB unavailable: findings still go to Security Hub; the run is partial", { alarm: "FindingsStoreUnavailable", runId, error: (error as Error).message });
    }
  }
  let priorFallbackCalls = 0;
  // Can MongoDB's "last sent" fingerprints be trusted? Not when a run reached Security Hub without
  // recording it (MongoDB down when it read: its findings carry the unrecorded marker; down when it
  // wrote: those findings are marked pending in MongoDB itself, see below), nor after overlapping runs.
  let resendAll: ResendReason | undefined;
  if (deps.store && storeState === "ok" && storeHasHistory) {
    resendAll = staleFromState(pipelineState);
    if (!resendAll && deps.getFindingsLimiter) {
      try {
        const check = await findUnrecordedFindings(
          deps.securityHub,
          product_arn,
          { since: pipelineState.reconciledAt, until: new Date(readAt.getTime() + DAY_MS).toISOString() },
          { ...deps.securityHubOptions, limiter: deps.getFindingsLimiter },
        );
        priorFallbackCalls += check.calls;
        if (check.found) resendAll = "unrecordedFindings";
      } catch (error) {
        // No evidence either way: trust MongoDB as before this check existed (the next run asks again).
        priorFallbackCalls += (error as { calls?: number }).calls ?? 0;
        log?.warn("Could not check Security Hub for unrecorded findings; trusting MongoDB for this run", { runId, error: (error as Error).message });
      }
    }
    if (resendAll) log?.warn("MongoDB may be stale: every finding in scope is re-sent", { runId, reason: resendAll });
  }
  if (deps.getFindingsLimiter && (storeState !== "ok" || storeHasHistory)) {
    const askResources = new Set<string>();
    // Only findings that would be sent as new: NOT_APPLICABLE results that were never stored need no history.
    for (const item of items) if (item.result.status !== "NOT_APPLICABLE" && !priors.has(item.id)) askResources.add(item.resources[0]!.id);
    if (storeState !== "ok") for (const arn of deletedArns) askResources.add(arn);
    if (askResources.size > 0) {
      try {
        const fetched = await fetchPriorFindings(deps.securityHub, product_arn, [...askResources], { ...deps.securityHubOptions, limiter: deps.getFindingsLimiter });
        priorFallbackCalls += fetched.calls;
        for (const [id, p] of fetched.priors) {
          if (!priors.has(id)) priors.set(id, p);
          if (storeState !== "ok" && p.recordState === "ACTIVE") sweepCandidates.push(p);
        }
      } catch (error) {
        errors.push({ source: "priorFallback", code: awsErrorCode(error), message: (error as Error).message });
      }
    }
  }

  // Decide what to send.
  const at = now();
  const refreshMs = Math.min(deps.refreshAfterDays ?? 7, 89) * DAY_MS;
  const toSend: AwsSecurityFinding[] = [];
  const writes = new Map<string, FindingWrite>();
  const unchangedWrites: FindingWrite[] = [];
  const resolveCandidates = new Set<string>();
  const produced = new Set<string>();
  let built = 0;

  const writeFor = (f: AwsSecurityFinding, prior: PriorFinding | undefined, status: FindingComplianceStatus, checkId: string): FindingWrite => ({
    id: f.Id!,
    resourceId: f.Resources![0]!.Id!,
    resourceType: f.Resources![0]!.Type as FindingWrite["resourceType"],
    resourceRegion: f.Resources![0]!.Region ?? product.region,
    checkId,
    status,
    severity: (f.Severity?.Label ?? "INFORMATIONAL") as Severity,
    recordState: f.RecordState === "ARCHIVED" ? "ARCHIVED" : "ACTIVE",
    createdAt: f.CreatedAt!,
    firstObservedAt: f.FirstObservedAt ?? f.CreatedAt!,
    updatedAt: f.UpdatedAt!,
    lastObservedAt: at.toISOString(),
    lastSentAt: at.toISOString(),
    fingerprint: fingerprint(f),
    finding: f,
    statusChanged: !prior || prior.status !== status || prior.recordState !== (f.RecordState === "ARCHIVED" ? "ARCHIVED" : "ACTIVE"),
    runId,
  });

  // `again`: MongoDB says ARCHIVED but cannot be trusted: archive again (Security Hub may show it ACTIVE).
  const archive = (prior: PriorFinding, reason: string, again = false): void => {
    if (writes.has(prior.id) || (prior.recordState !== "ACTIVE" && !again)) return;
    const built = archiveFinding(prior, at, reason);
    // A finding read back from Security Hub may carry the unrecorded marker: this run records what it sends.
    const archived = built && withoutUnrecordedMarker(built);
    if (!archived) {
      errors.push({ source: "store", code: "NoStoredFinding", message: `Cannot archive ${prior.id}: its last finding was not stored.` });
      return;
    }
    toSend.push(archived);
    writes.set(prior.id, writeFor(archived, prior, prior.status, checkOf(prior) ?? archived.GeneratorId!));
  };

  for (const item of items) {
    produced.add(item.id);
    const prior = priors.get(item.id);
    if (item.result.status === "NOT_APPLICABLE") {
      // Never an active finding: archive one that exists, otherwise send nothing.
      if (prior) archive(prior, `Not applicable: ${item.result.reason}`, resendAll !== undefined && storeKnown.has(item.id));
      continue;
    }
    const finding = buildFinding({ product, result: item.result, resources: item.resources, prior, now: at }, lookup);
    built++;
    const status = item.result.status as FindingComplianceStatus;
    const unchanged =
      resendAll === undefined &&
      prior !== undefined &&
      prior.recordState === "ACTIVE" &&
      prior.fingerprint === fingerprint(finding) &&
      prior.lastSentAt !== undefined &&
      at.getTime() - Date.parse(prior.lastSentAt) < refreshMs &&
      !prior.resolvePending;
    if (unchanged && prior.finding) {
      unchangedWrites.push({
        ...writeFor(prior.finding, prior, status, item.result.checkId),
        lastObservedAt: at.toISOString(),
        lastSentAt: prior.lastSentAt,
        updatedAt: prior.updatedAt,
        statusChanged: false,
        ifFingerprint: prior.fingerprint,
      });
      continue;
    }
    toSend.push(finding);
    writes.set(item.id, writeFor(finding, prior, status, item.result.checkId));
    // Custom findings are never auto-resolved, and Security Hub resets RESOLVED to NEW on FAILED/WARNING/
    // NOT_AVAILABLE and on ARCHIVED -> ACTIVE: a finding that passes now after any of those must be resolved.
    // MongoDB untrusted: its PASSED may hide a FAILED that Security Hub reset to NEW, so resolve every PASSED.
    if (status === "PASSED" && prior && (prior.status !== "PASSED" || prior.recordState === "ARCHIVED" || prior.resolvePending || resendAll)) resolveCandidates.add(item.id);
  }

  // Archive within the scanned scope only.
  const toArchive: { prior: PriorFinding; reason: string }[] = [];
  for (const prior of sweepCandidates) {
    const resource = resourceOf(prior);
    if (!resource || produced.has(prior.id)) continue;
    if (deletedArns.has(resource)) toArchive.push({ prior, reason: "The bucket was deleted." });
    else if (auditedArns.has(resource)) {
      if (opaFailedBuckets.has(resource) && checkOf(prior)?.startsWith(`${OPA_UNAVAILABLE_PREFIX}/`)) continue;
      toArchive.push({ prior, reason: "The check no longer reports on this bucket." });
    } else if (fullScan && !inventoryFailed && !erroredArns.has(resource) && scanRegions.includes((prior as Partial<PriorRecord>).resourceRegion ?? prior.finding?.Resources?.[0]?.Region ?? "")) {
      toArchive.push({ prior, reason: "The bucket no longer exists." });
    }
  }
  // Sweeps read findings without their stored ASFF body: fetch it for the few being archived.
  const missing = toArchive.filter((a) => !a.prior.finding && !priors.get(a.prior.id)?.finding).map((a) => a.prior.id);
  if (missing.length > 0 && deps.store && storeState === "ok") {
    try {
      for (const [id, p] of await deps.store.priorByIds(missing)) priors.set(id, p);
    } catch (error) {
      storeState = "unavailable";
      errors.push(storeError(error));
    }
  }
  for (const { prior, reason } of toArchive) archive(prior.finding ? prior : (priors.get(prior.id) ?? prior), reason);

  // Write half: before the import, MongoDB's record of every finding about to be sent again is marked
  // pending, so a run that dies or loses MongoDB after the import cannot leave a stale fingerprint behind.
  // (Findings MongoDB does not know need nothing: the next run reads them back from Security Hub.)
  const pendingIds = toSend.map((f) => f.Id!).filter((id) => storeKnown.has(id));
  if (deps.store && storeState === "ok" && pendingIds.length > 0) {
    try {
      await deps.store.markPending(pendingIds);
    } catch (error) {
      storeState = "unavailable";
      errors.push(storeError(error));
      log?.error("MongoDB unavailable: findings still go to Security Hub; the run is partial", { alarm: "FindingsStoreUnavailable", runId, error: (error as Error).message });
    }
  }
  // Read half: a run that cannot record what it sends says so in the findings themselves.
  const unrecorded = deps.store !== undefined && storeState !== "ok";
  const outgoing = unrecorded ? toSend.map(markUnrecorded) : toSend;

  // Security Hub.
  const shOptions: SecurityHubOptions = { ...deps.securityHubOptions, limiter: deps.securityHubLimiter };
  const imported = await importFindings(deps.securityHub, outgoing, shOptions);
  for (const f of imported.failed) errors.push({ source: "securityHub", code: f.errorCode, message: `${f.id}: ${f.message}` });
  const importedIds = new Set(imported.succeeded);
  const toResolve = [...resolveCandidates].filter((id) => importedIds.has(id));
  const resolved = toResolve.length ? await resolveFindings(deps.securityHub, toResolve.map((id) => ({ id, productArn: product_arn })), shOptions) : { succeeded: [], failed: [], calls: 0 };
  for (const f of resolved.failed) errors.push({ source: "securityHub", code: f.errorCode, message: `resolve ${f.id}: ${f.message}` });
  const resolvedIds = new Set(resolved.succeeded);
  const archivedCount = toSend.filter((f) => f.RecordState === "ARCHIVED" && importedIds.has(f.Id!)).length;

  // MongoDB: what Security Hub accepted, plus first sightings it refused (so CreatedAt stays the first-seen time).
  let storeWrites = 0;
  const finished = now();
  const sinksOk = !errors.some((e) => e.source !== "kms" && e.source !== "opa") && storeState === "ok";
  const status: RunSummary["status"] = !sinksOk ? "partial" : errors.some((e) => e.source === "kms" || e.source === "opa") ? "degraded" : "complete";
  const counts: RunSummary["counts"] = {
    buckets: report.buckets.length,
    kmsKeys: keyAudits.size === 0 ? 0 : new Set([...keyAudits.entries()].map(([ref, a]) => (a.ok ? a.value.keyArn : ref))).size,
    kmsApiCalls,
    kmsUnavailable,
    findings: built,
    sent: imported.succeeded.length,
    unchanged: unchangedWrites.length,
    archived: archivedCount,
    resolved: resolvedIds.size,
    failed: imported.failed.length,
    securityHubCalls: imported.calls + resolved.calls,
    priorFallbackCalls,
    storeWrites: 0,
  };
  if (deps.store && storeState === "ok") {
    const finalWrites: FindingWrite[] = [...unchangedWrites];
    for (const [id, w] of writes) {
      if (importedIds.has(id)) {
        const pendingResolve = resolveCandidates.has(id) && !resolvedIds.has(id);
        finalWrites.push({ ...w, resolvedAt: resolvedIds.has(id) ? finished.toISOString() : undefined, resolvePending: pendingResolve });
      } else if (!priors.has(id)) {
        finalWrites.push({ ...w, lastSentAt: undefined, fingerprint: "unsent" });
      }
    }
    // A complete full scan that re-sent everything supersedes whatever Security Hub got before it read MongoDB.
    const reconciles = resendAll !== undefined && fullScan && scanRegions.length > 0 && !inventoryFailed && status !== "partial";
    try {
      await deps.store.upsertFindings(finalWrites);
      storeWrites = finalWrites.length;
      await Promise.all([
        deps.store.recordRun({ ...runDocument(runId, scope, started, finished, status, { ...counts, storeWrites }, errors, resendAll), failedKeys }),
        deps.store.noteRun(
          { runId, startedAt: started.toISOString(), finishedAt: finished.toISOString() },
          reconciles ? { reconciledAt: readAt.toISOString() } : resendAll ? { dirtySince: finished.toISOString() } : {},
        ),
      ]);
    } catch (error) {
      storeState = "unavailable";
      errors.push(storeError(error));
      log?.error("MongoDB write failed: Security Hub has every finding; the next run writes them again", { alarm: "FindingsStoreUnavailable", runId, error: (error as Error).message });
    }
  }
  const finalStatus: RunSummary["status"] = storeState === "ok" ? status : "partial";
  const summary: RunSummary = {
    runId,
    status: finalStatus,
    failedKeys,
    scope,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    counts: { ...counts, storeWrites },
    store: storeState,
    errors,
    ...(resendAll ? { resendAll } : {}),
  };
  log?.info("S3 audit run finished", { runId, status: summary.status, counts: summary.counts, errors: errors.length });
  return summary;
}

function runDocument(
  runId: string,
  scope: AuditScope,
  started: Date,
  finished: Date,
  status: RunSummary["status"],
  counts: Readonly<Record<string, number>>,
  errors: readonly RunError[],
  resendAll?: ResendReason,
): AuditRunDocument {
  return {
    _id: runId,
    kind: "s3",
    trigger: scope.trigger,
    scope: { ...(scope.buckets ? { buckets: [...scope.buckets] } : {}), ...(scope.regions ? { regions: [...scope.regions] } : {}) },
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    status,
    counts,
    errors: errors.slice(0, 100).map((e) => ({ source: e.source, code: e.code, message: e.message.slice(0, 500) })),
    ...(resendAll ? { resendAll } : {}),
  };
}
