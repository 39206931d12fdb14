/** The findings pipeline's inputs, dependencies and answer (shared by its stages). */
import type { S3AuditReport } from "../../shared/cspm/audit-types";
import type { MetadataLookup } from "../../shared/cspm/asff";
import type { Fetched } from "../../shared/cspm/check";
import type { KeyAudit } from "../../shared/cspm/audit-types";
import type { FindingsStore } from "../../shared/cspm/findings-store";
import type { SecurityHubOptions, SecurityHubSender, TokenBucket } from "../../shared/cspm/security-hub";

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
  /** The key ARNs of one region (KMS ListKeys, every page). Absent: keys are audited only as buckets name them. */
  listKeys?(region: string): Promise<readonly string[]>;
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

/** The key audits of a run, by the canonical key ref the buckets name. */
export type KeyAuditLookup = ReadonlyMap<string, Fetched<KeyAudit>>;

/** One finding this run may send: its stable Id, the result and the resources it is about. */
export interface Item {
  readonly id: string;
  readonly result: import("../../shared/cspm/check").CheckResult;
  readonly resources: readonly import("../../shared/cspm/asff").FindingResource[];
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
    /** Customer-managed keys the scheduled run listed and audited as resources of their own. */
    readonly inventoryKeys: number;
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

