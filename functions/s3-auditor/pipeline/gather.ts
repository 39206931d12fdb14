/**
 * Gather: what the run is about (the scanned scope) and what was known before it (MongoDB, with
 * Security Hub as the fallback for what MongoDB cannot answer), including whether MongoDB's "last
 * sent" fingerprints can be trusted.
 */
import type { S3AuditReport } from "../../shared/cspm/audit-types";
import type { PriorFinding } from "../../shared/cspm/asff";
import type { PipelineState, PriorRecord, RunWindow } from "../../shared/cspm/findings-store";
import { fetchPriorFindings, findUnrecordedFindings } from "../../shared/cspm/security-hub";
import { PlatformError, awsErrorCode } from "../../shared/platform/errors";
import type { AuditScope, Item, PipelineDeps, ResendReason, RunError, RunSummary } from "./types";

const DAY_MS = 86_400_000;

/** What this run scanned: findings outside it are never archived. */
export interface ScanScope {
  readonly auditedArns: ReadonlySet<string>;
  /** Buckets deleted (DeleteBucket event or vanished mid-scan) and not audited again. */
  readonly deletedArns: ReadonlySet<string>;
  readonly fullScan: boolean;
  readonly scanRegions: readonly string[];
  /** The account listing failed: nothing may be archived as "gone". */
  readonly inventoryFailed: boolean;
  /** Buckets whose read failed: their findings are kept. */
  readonly erroredArns: ReadonlySet<string>;
  /** Regions whose keys a full scan listed: only there are key findings archived when the key is gone. */
  readonly keyRegions?: readonly string[];
}

export function bucketArn(partition: string, name: string): string {
  return `arn:${partition}:s3:::${name}`;
}

export function scanScope(report: S3AuditReport, scope: AuditScope): ScanScope {
  const auditedNames = new Set(report.buckets.map((b) => b.bucket));
  return {
    auditedArns: new Set(report.buckets.map((b) => b.arn)),
    deletedArns: new Set([...report.deletedBuckets, ...(scope.deletedBuckets ?? [])].filter((name) => !auditedNames.has(name)).map((name) => bucketArn(report.partition, name))),
    fullScan: !scope.buckets?.length && !report.scope.buckets?.length,
    scanRegions: [...new Set([...(report.scope.regions ?? []), ...(scope.regions ?? [])])],
    inventoryFailed: report.errors.some((e) => !e.bucket),
    erroredArns: new Set(report.errors.filter((e) => e.bucket).map((e) => bucketArn(report.partition, e.bucket!))),
  };
}

export interface PriorState {
  readonly priors: Map<string, PriorFinding>;
  /** Ids MongoDB has a record of (marked pending before they are sent again). */
  readonly storeKnown: Set<string>;
  /** Active findings in scope that this run may archive. */
  readonly sweepCandidates: PriorFinding[];
  readonly pipelineState: PipelineState;
  readonly storeState: RunSummary["store"];
  readonly resendAll?: ResendReason;
  readonly priorFallbackCalls: number;
  readonly errors: readonly RunError[];
}

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

export function storeError(error: unknown): RunError {
  return { source: "store", code: (error as PlatformError).code ?? awsErrorCode(error), message: (error as Error).message };
}

export function resourceOf(prior: PriorFinding): string | undefined {
  return (prior as Partial<PriorRecord>).resourceId ?? prior.finding?.Resources?.[0]?.Id;
}

export function checkOf(prior: PriorFinding): string | undefined {
  return (prior as Partial<PriorRecord>).checkId ?? prior.finding?.GeneratorId;
}

/** Reads the prior state of every item and of the scope. Never throws: a failing store makes the run partial. */
export async function gatherPriorState(deps: PipelineDeps, items: readonly Item[], scan: ScanScope, productArn: string, readAt: Date, runId: string): Promise<PriorState> {
  const log = deps.logger;
  const errors: RunError[] = [];
  const priors = new Map<string, PriorFinding>();
  const storeKnown = new Set<string>();
  const sweepCandidates: PriorFinding[] = [];
  let pipelineState: PipelineState = { recentRuns: [] };
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
      sweepCandidates.push(...(await deps.store.activeByResources([...scan.auditedArns, ...scan.deletedArns])));
      if (scan.fullScan && scan.scanRegions.length > 0 && !scan.inventoryFailed) sweepCandidates.push(...(await deps.store.activeInRegions("AwsS3Bucket", scan.scanRegions, [...scan.auditedArns])));
      if (scan.fullScan && scan.keyRegions?.length) sweepCandidates.push(...(await deps.store.activeInRegions("AwsKmsKey", scan.keyRegions)));
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
  // wrote: those findings are marked pending in MongoDB itself), nor after overlapping runs.
  let resendAll: ResendReason | undefined;
  if (deps.store && storeState === "ok" && storeHasHistory) {
    resendAll = staleFromState(pipelineState);
    if (!resendAll && deps.getFindingsLimiter) {
      try {
        const check = await findUnrecordedFindings(
          deps.securityHub,
          productArn,
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
    if (storeState !== "ok") for (const arn of scan.deletedArns) askResources.add(arn);
    if (askResources.size > 0) {
      try {
        const fetched = await fetchPriorFindings(deps.securityHub, productArn, [...askResources], { ...deps.securityHubOptions, limiter: deps.getFindingsLimiter });
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
  return { priors, storeKnown, sweepCandidates, pipelineState, storeState, ...(resendAll ? { resendAll } : {}), priorFallbackCalls, errors };
}

/** Sweeps read findings without their stored ASFF body: fetches it for the few being archived. */
export async function fetchMissingBodies(deps: PipelineDeps, ids: readonly string[]): Promise<Map<string, PriorFinding>> {
  if (ids.length === 0 || !deps.store) return new Map();
  return deps.store.priorByIds(ids);
}
