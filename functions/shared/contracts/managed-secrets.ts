/**
 * The environment of the functions that act on the secrets a credentials stack manages (the SNS
 * rotation trigger, the secret-age monitor). Imports only zod.
 */
import { z } from "zod";

/** Env var names, shared with the stack. */
export const MANAGED_SECRETS_ENV = { managedSecretArns: "MANAGED_SECRET_ARNS" } as const;

export const managedSecretsEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  /** Comma-separated ARNs of the secrets the stack manages. */
  MANAGED_SECRET_ARNS: z
    .string()
    .min(1)
    .transform((value) => value.split(",").map((arn) => arn.trim()).filter(Boolean)),
  /** Secrets Manager endpoint override (a VPC endpoint, or a local stand-in in tests). */
  SECRETS_MANAGER_ENDPOINT: z.url().optional(),
});
