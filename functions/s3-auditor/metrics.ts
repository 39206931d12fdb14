/**
 * The run's figures as Powertools Metrics (CloudWatch embedded metric format). Names, namespace
 * and dimensions come from the S3 auditor's contract, where the stack's alarms take them too.
 */
import { S3_AUDITOR_METRICS as M, type S3AuditorMetric } from "../shared/contracts/s3-auditor";
import { MetricUnit, type Metrics } from "../shared/platform/metrics";
import type { RunSummary } from "./pipeline/types";

/** The value of every metric for one run. */
export function runMetrics(summary: RunSummary): Record<S3AuditorMetric, number> {
  return {
    [M.runPartial]: summary.status === "partial" ? 1 : 0,
    [M.runDegraded]: summary.status === "degraded" ? 1 : 0,
    [M.findingsStoreErrors]: summary.store === "unavailable" ? 1 : 0,
    [M.securityHubFailedFindings]: summary.counts.failed,
    [M.kmsApiUnavailable]: summary.counts.kmsUnavailable,
    [M.findingsSent]: summary.counts.sent,
    [M.findingsArchived]: summary.counts.archived,
    [M.findingsResolved]: summary.counts.resolved,
  };
}

/** Adds the run's metrics and flushes them as one EMF log line. */
export function publishRunMetrics(metrics: Metrics, summary: RunSummary): void {
  for (const [name, value] of Object.entries(runMetrics(summary))) metrics.addMetric(name, MetricUnit.Count, value);
  metrics.addMetadata("runId", summary.runId);
  metrics.publishStoredMetrics();
}
