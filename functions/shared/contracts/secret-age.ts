/**
 * The secret-age monitor: a scheduled function that publishes, per managed secret, the days since
 * its last successful rotation. The stack's alarms watch exactly these names. Imports only zod.
 */
import { z } from "zod";

export const SECRET_AGE_METRICS = {
  namespace: "Credentials",
  service: "secret-age-monitor",
  metricName: "SecretAgeDays",
  /** Dimension naming the secret. */
  dimension: "SecretName",
} as const;

export const SECRET_AGE_ENV = { managedSecretArns: "MANAGED_SECRET_ARNS" } as const;

export const secretAgeEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  MANAGED_SECRET_ARNS: z
    .string()
    .min(1)
    .transform((value) => value.split(",").map((arn) => arn.trim()).filter(Boolean)),
  SECRETS_MANAGER_ENDPOINT: z.url().optional(),
});

export interface SecretAge {
  readonly secretName: string;
  /** Days since the last successful rotation (or since creation when never rotated). */
  readonly ageDays: number;
  readonly lastRotated?: string;
}
