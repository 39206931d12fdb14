/**
 * Manual rotation trigger: SNS → RotateSecret for the named secret, only for secrets this stack
 * manages. Never invokes the rotation function itself. A failed RotateSecret throws, so Lambda's
 * async retries and the failure destination see it; refusals are logged and not retried.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { managedSecretsEnvSchema } from "../shared/contracts/managed-secrets";
import { snsEventSchema, type TriggerOutcome } from "../shared/contracts/rotation-trigger";
import { parseEnv } from "../shared/platform/env";
import { ValidationError } from "../shared/platform/errors";
import { secretsManagerClient, secretStore } from "../shared/credentials/secrets-manager";
import { handleTrigger } from "./trigger";

const env = parseEnv(managedSecretsEnvSchema);
const logger = new Logger({ serviceName: "rotation-trigger" });
const store = secretStore(secretsManagerClient({ region: env.AWS_REGION, endpoint: env.SECRETS_MANAGER_ENDPOINT }));

export async function handler(event: unknown): Promise<TriggerOutcome[]> {
  const parsed = snsEventSchema.safeParse(event);
  if (!parsed.success) throw new ValidationError(`Not an SNS event: ${parsed.error.issues.map((i) => i.path.join(".") || "event").join(", ")} invalid.`);
  const outcomes = await handleTrigger(parsed.data, { store, managedSecretArns: env.MANAGED_SECRET_ARNS, logger });
  const failed = outcomes.filter((o) => o.status === "failed");
  if (failed.length > 0) throw new Error(`RotateSecret failed for ${failed.map((o) => `${o.secretId}: ${o.detail}`).join("; ")}`);
  return outcomes;
}
