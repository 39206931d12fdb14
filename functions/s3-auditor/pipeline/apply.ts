/**
 * Apply: the plan to Security Hub (import, then resolve what passes now, never a SUPPRESSED
 * finding) and to MongoDB (what Security Hub accepted, the run, the pipeline state). MongoDB failing
 * never stops Security Hub from getting every finding; it makes the run partial.
 */
import type { FindingWrite } from "../../shared/cspm/findings-store";
import { importFindings, markUnrecorded, resolveFindings, workflowStatuses, type SecurityHubOptions } from "../../shared/cspm/security-hub";
import { awsErrorCode } from "../../shared/platform/errors";
import type { Plan } from "./decide";
import { storeError, type PriorState } from "./gather";
import type { PipelineDeps, RunError, RunSummary } from "./types";

export interface SecurityHubOutcome {
  readonly importedIds: ReadonlySet<string>;
  readonly resolvedIds: ReadonlySet<string>;
  /** Resolve candidates a user suppressed: left alone. */
  readonly suppressedIds: ReadonlySet<string>;
  readonly failedImports: number;
  readonly archived: number;
  readonly calls: number;
  readonly lookupCalls: number;
  readonly errors: readonly RunError[];
}

/**
 * Write half, before the import: MongoDB's record of every finding about to be sent again is marked
 * pending, so a run that dies or loses MongoDB after the import cannot leave a stale fingerprint.
 * Returns the store state afterwards.
 */
export async function markPendingInStore(deps: PipelineDeps, plan: Plan, prior: PriorState, errors: RunError[], runId: string): Promise<RunSummary["store"]> {
  const pendingIds = plan.toSend.map((f) => f.Id!).filter((id) => prior.storeKnown.has(id));
  if (!deps.store || prior.storeState !== "ok" || pendingIds.length === 0) return prior.storeState;
  try {
    await deps.store.markPending(pendingIds);
    return "ok";
  } catch (error) {
    errors.push(storeError(error));
    deps.logger?.error("MongoDB unavailable: findings still go to Security Hub; the run is partial", { alarm: "FindingsStoreUnavailable", runId, error: (error as Error).message });
    return "unavailable";
  }
}

/** Imports the plan's findings (marked unrecorded when MongoDB cannot record them), then resolves. */
export async function applyToSecurityHub(deps: PipelineDeps, plan: Plan, productArn: string, storeState: RunSummary["store"]): Promise<SecurityHubOutcome> {
  const errors: RunError[] = [];
  // Read half: a run that cannot record what it sends says so in the findings themselves.
  const outgoing = deps.store !== undefined && storeState !== "ok" ? plan.toSend.map(markUnrecorded) : plan.toSend;
  const options: SecurityHubOptions = { ...deps.securityHubOptions, limiter: deps.securityHubLimiter };
  const imported = await importFindings(deps.securityHub, outgoing, options);
  for (const f of imported.failed) errors.push({ source: "securityHub", code: f.errorCode, message: `${f.id}: ${f.message}` });
  const importedIds = new Set(imported.succeeded);
  let candidates = [...plan.resolveCandidates].filter((id) => importedIds.has(id));

  // A finding the user SUPPRESSED stays suppressed: ask Security Hub before resolving anything.
  const suppressedIds = new Set<string>();
  let lookupCalls = 0;
  if (candidates.length > 0) {
    try {
      const lookup = await workflowStatuses(deps.securityHub, productArn, candidates, { ...deps.securityHubOptions, limiter: deps.getFindingsLimiter ?? deps.securityHubLimiter });
      lookupCalls = lookup.calls;
      for (const [id, status] of lookup.statuses) if (status === "SUPPRESSED") suppressedIds.add(id);
      candidates = candidates.filter((id) => !suppressedIds.has(id));
    } catch (error) {
      // Unknown workflow: resolve nothing now (it stays pending and is tried again next run).
      lookupCalls = (error as { calls?: number }).calls ?? 0;
      errors.push({ source: "securityHub", code: awsErrorCode(error), message: `workflow lookup before resolving: ${(error as Error).message}` });
      candidates = [];
    }
  }
  const resolved = candidates.length ? await resolveFindings(deps.securityHub, candidates.map((id) => ({ id, productArn })), options) : { succeeded: [], failed: [], calls: 0 };
  for (const f of resolved.failed) errors.push({ source: "securityHub", code: f.errorCode, message: `resolve ${f.id}: ${f.message}` });
  return {
    importedIds,
    resolvedIds: new Set(resolved.succeeded),
    suppressedIds,
    failedImports: imported.failed.length,
    archived: plan.toSend.filter((f) => f.RecordState === "ARCHIVED" && importedIds.has(f.Id!)).length,
    calls: imported.calls + resolved.calls,
    lookupCalls,
    errors,
  };
}

/** MongoDB: what Security Hub accepted, plus first sightings it refused (so CreatedAt stays the first-seen time). */
export function storeWrites(plan: Plan, prior: PriorState, hub: SecurityHubOutcome, finishedAt: Date): FindingWrite[] {
  const writes: FindingWrite[] = [...plan.unchangedWrites];
  for (const [id, w] of plan.writes) {
    if (hub.importedIds.has(id)) {
      const pendingResolve = plan.resolveCandidates.has(id) && !hub.resolvedIds.has(id) && !hub.suppressedIds.has(id);
      writes.push({ ...w, resolvedAt: hub.resolvedIds.has(id) ? finishedAt.toISOString() : undefined, resolvePending: pendingResolve });
    } else if (!prior.priors.has(id)) {
      writes.push({ ...w, lastSentAt: undefined, fingerprint: "unsent" });
    }
  }
  return writes;
}
