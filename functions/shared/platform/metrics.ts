/**
 * Powertools Metrics (CloudWatch embedded metric format) for every function. Namespace and
 * service come from the function's contract module, so the alarms a stack builds watch exactly
 * what the code emits.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

export { MetricUnit };
export type { Metrics };

export interface MetricsOptions {
  readonly namespace: string;
  /** The `service` dimension Powertools adds to every metric. */
  readonly service: string;
  /** Extra dimensions on every metric. */
  readonly defaultDimensions?: Record<string, string>;
}

/** A Metrics instance for one function; call `metrics.publishStoredMetrics()` before returning (or use the middleware). */
export function createMetrics(options: MetricsOptions): Metrics {
  return new Metrics({ namespace: options.namespace, serviceName: options.service, defaultDimensions: options.defaultDimensions });
}
