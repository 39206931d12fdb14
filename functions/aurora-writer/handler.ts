/**
 * Aurora writer: writes one event's rows to an allow-listed table in one transaction, through RDS
 * Proxy with an IAM token (user lambda_writer). Invoked synchronously (Lambda Invoke API); the
 * answer is the contract's WriteResult, `{ok: false, error: {code, message, retryable}}` on failure.
 * Env: functions/shared/contracts/aurora-writer.ts (auroraWriterEnvSchema).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { AURORA_WRITER_METRICS, auroraWriterEnvSchema, type WriteResult } from "../shared/contracts/aurora-writer";
import { parseEnv } from "../shared/platform/env";
import { createMetrics } from "../shared/platform/metrics";
import { createWriter, createWriterPool, writerPoolOptions } from "./writer";

const env = parseEnv(auroraWriterEnvSchema);
const logger = new Logger({ serviceName: AURORA_WRITER_METRICS.service });
const metrics = createMetrics({ namespace: AURORA_WRITER_METRICS.namespace, service: AURORA_WRITER_METRICS.service });
// Outside the handler: one connection per container, reused by every event it serves.
const pool = createWriterPool(writerPoolOptions(env), logger, metrics);
const write = createWriter({ pool, logger, metrics });

export const handler = async (event: unknown): Promise<WriteResult> => {
  try {
    return await write(event);
  } finally {
    metrics.publishStoredMetrics();
  }
};
