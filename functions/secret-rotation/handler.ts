/**
 * Rotation function: Secrets Manager invokes it four times per rotation with
 * {Step, SecretId, ClientRequestToken}. Never invoke it directly (that skips the service's
 * AWSPENDING bookkeeping): use RotateSecret (the `rotate` command or the SNS trigger).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { rotationEnvSchema, rotationEventSchema, ROTATION_METRICS } from "../shared/contracts/secret-rotation";
import { parseEnv } from "../shared/platform/env";
import { createMetrics, MetricUnit } from "../shared/platform/metrics";
import { secretsManagerClient, secretStore } from "../shared/credentials/secrets-manager";
import { engineFor } from "../shared/credentials/engines/engine-for";
import { rotate } from "./rotate";

const env = parseEnv(rotationEnvSchema);
const logger = new Logger({ serviceName: ROTATION_METRICS.service });
const metrics = createMetrics({ namespace: ROTATION_METRICS.namespace, service: ROTATION_METRICS.service });
const secrets = secretStore(secretsManagerClient({ region: env.AWS_REGION, endpoint: env.SECRETS_MANAGER_ENDPOINT }));

export async function handler(event: unknown): Promise<void> {
  const parsed = rotationEventSchema.safeParse(event);
  if (!parsed.success) throw new Error(`Not a Secrets Manager rotation event: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")} invalid.`);
  const { Step: step } = parsed.data;
  metrics.addDimension("Step", step);
  try {
    await rotate(parsed.data, { secrets, engineFor, logger });
    metrics.addMetric(ROTATION_METRICS.stepSucceeded, MetricUnit.Count, 1);
  } catch (error) {
    metrics.addMetric(ROTATION_METRICS.stepFailed, MetricUnit.Count, 1);
    logger.error("Rotation step failed", { step, secretId: parsed.data.SecretId, error: (error as Error).message });
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
}
