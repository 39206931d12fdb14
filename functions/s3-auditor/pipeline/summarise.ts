/**
 * Summarise: the run's status (complete, degraded, partial), its counts, the run document MongoDB
 * keeps, and the log line.
 */
import type { AuditRunDocument } from "../../shared/cspm/findings-store";
import type { AuditScope, ResendReason, RunError, RunSummary } from "./types";

/**
 * `partial` when a sink or the inventory failed part of the run; `degraded` when every finding was
 * delivered but some could not be judged (a key lookup or OPA failed); `complete` otherwise.
 */
export function runStatus(errors: readonly RunError[], store: RunSummary["store"]): RunSummary["status"] {
  const judgementOnly = (e: RunError) => e.source === "kms" || e.source === "opa";
  if (store !== "ok" || errors.some((e) => !judgementOnly(e))) return "partial";
  return errors.some(judgementOnly) ? "degraded" : "complete";
}

export function runDocument(
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
