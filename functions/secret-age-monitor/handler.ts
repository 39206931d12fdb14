/**
 * Secret-age monitor (scheduled): publishes SecretAgeDays per managed secret; the stack alarms when
 * a secret is older than its rotation window. An unreadable secret fails the run (error alarm).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { managedSecretsEnvSchema } from "../shared/contracts/managed-secrets";
import { SECRET_AGE_METRICS, type SecretAge } from "../shared/contracts/secret-age";
import { parseEnv } from "../shared/platform/env";
import { createMetrics, MetricUnit } from "../shared/platform/metrics";
import { secretsManagerClient, secretStore } from "../shared/credentials/secrets-manager";
import { measureSecretAges } from "./ages";

const env = parseEnv(managedSecretsEnvSchema);
const logger = new Logger({ serviceName: SECRET_AGE_METRICS.service });
const store = secretStore(secretsManagerClient({ region: env.AWS_REGION, endpoint: env.SECRETS_MANAGER_ENDPOINT }));

export async function handler(): Promise<SecretAge[]> {
  const report = await measureSecretAges(store, env.MANAGED_SECRET_ARNS, new Date());
  for (const age of report.ages) {
    const metrics = createMetrics({ namespace: SECRET_AGE_METRICS.namespace, service: SECRET_AGE_METRICS.service });
    metrics.addDimension(SECRET_AGE_METRICS.dimension, age.secretName);
    metrics.addMetric(SECRET_AGE_METRICS.metricName, MetricUnit.Count, Number(age.ageDays.toFixed(2)));
    metrics.publishStoredMetrics();
  }
  logger.info("Secret ages", { ages: report.ages });
  if (report.unreadable.length > 0) throw new Error(`Cannot read the age of ${report.unreadable.map((u) => `${u.secretArn} (${u.error})`).join(", ")}.`);
  return report.ages;
}
