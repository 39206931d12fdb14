/**
 * Contract of the database bootstrap function (`<prefix>-aurora-iam-db-bootstrap`), invoked by
 * Terraform (aws_lambda_invocation) after the cluster exists and by `db-bootstrap invoke`: its
 * event, its answer, its environment. zod only.
 */
import { z } from "zod";

export const dbBootstrapEventSchema = z
  .object({
    /** Set a new lambda_writer password even though the secret already holds one (the rotation owns it otherwise). */
    resetWriterPassword: z.boolean().default(false),
  })
  .strict();
export type DbBootstrapEvent = z.output<typeof dbBootstrapEventSchema>;

export const dbBootstrapResultSchema = z.object({
  /** Migrations this run applied (`NNNN-name`). */
  applied: z.array(z.string()),
  alreadyApplied: z.number().int().nonnegative(),
  /** Tables whose key columns lambda_writer may read. */
  keyColumnGrants: z.array(z.string()),
  /** `set`: a new password went to PostgreSQL and the secret; `kept`: the secret already had one. */
  writerPassword: z.enum(["set", "kept"]),
});
export type DbBootstrapResult = z.infer<typeof dbBootstrapResultSchema>;

/** A failed bootstrap is a Lambda function error (so `terraform apply` fails) of this type, with a one-line message. */
export const DB_BOOTSTRAP_ERROR_TYPES = ["InvalidEvent", "MigrationError", "BootstrapFailed"] as const;

export const dbBootstrapEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  /** The RDS-managed master user secret (JSON username/password). */
  MASTER_SECRET_ARN: z.string().startsWith("arn:"),
  /** lambda_writer's secret: the bootstrap writes its first value; the rotation owns it afterwards. */
  WRITER_SECRET_ARN: z.string().startsWith("arn:"),
  /** The cluster's writer endpoint: the bootstrap connects directly (the proxy admits only IAM). */
  DB_HOST: z.string().min(1),
  DB_PORT: z.coerce.number().int().min(1).max(65535).default(5432),
  DB_NAME: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
  /**
   * PEM bundle of the CAs the cluster's certificate must chain to. The nodejs22.x runtime ships
   * Amazon RDS's CAs in this file; only these are trusted for the connection.
   */
  DB_CA_BUNDLE: z.string().startsWith("/").default("/var/runtime/ca-cert.pem"),
});
export type DbBootstrapEnv = z.output<typeof dbBootstrapEnvSchema>;
export const DB_BOOTSTRAP_ENV = dbBootstrapEnvSchema.keyof().enum;
