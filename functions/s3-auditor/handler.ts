/**
 * The S3 auditor Lambda: parse the trigger (functions/shared/contracts/s3-auditor.ts), run the
 * findings pipeline with the container's clients, publish the run's metrics, answer a summary.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { METRICS_NAMESPACE, METRICS_SERVICE, type SqsBatchResponse } from "../shared/contracts/s3-auditor";
import { createMetrics } from "../shared/platform/metrics";
import { isSqsBatch, parseChangeBatch, parseTrigger } from "./events";
import { publishRunMetrics } from "./metrics";
import { createRuntime, loadHandlerConfig } from "./runtime";

export { loadHandlerConfig };

const config = loadHandlerConfig();
const logger = new Logger({ serviceName: METRICS_SERVICE });
const metrics = createMetrics({ namespace: METRICS_NAMESPACE, service: METRICS_SERVICE });
const runtime = createRuntime(config, logger);

export async function handler(event: unknown): Promise<unknown> {
  if (isSqsBatch(event)) {
    // Queued bucket changes: one audit of the batch's distinct buckets; unreadable records go back (to the DLQ).
    const batch = parseChangeBatch(event, { regions: config.auditRegions });
    if (batch.scope.buckets?.length) publishRunMetrics(metrics, await runtime.run(batch.scope));
    return { batchItemFailures: batch.unreadable.map((itemIdentifier) => ({ itemIdentifier })) } satisfies SqsBatchResponse;
  }
  const summary = await runtime.run(parseTrigger(event, { regions: config.auditRegions }));
  publishRunMetrics(metrics, summary);
  return { runId: summary.runId, status: summary.status, counts: summary.counts, failedKeys: summary.failedKeys, errors: summary.errors.slice(0, 20) };
}
