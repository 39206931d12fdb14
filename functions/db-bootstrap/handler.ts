/**
 * Database bootstrap: applies the repository's migrations to the Aurora cluster as the master user
 * and gives lambda_writer its first password (in PostgreSQL and in its secret). Invoked by
 * Terraform after the cluster exists and by `db-bootstrap invoke`. A failure is a function error
 * with a one-line message, so `terraform apply` stops. Env: contracts/db-bootstrap.ts.
 */
import { readFileSync } from "node:fs";
import { Logger } from "@aws-lambda-powertools/logger";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { dbBootstrapEnvSchema, dbBootstrapEventSchema, type DbBootstrapResult } from "../shared/contracts/db-bootstrap";
import { awsClient } from "../shared/platform/aws-clients";
import { parseEnv } from "../shared/platform/env";
import { PlatformError } from "../shared/platform/errors";
import { runBootstrap } from "./run";

const env = parseEnv(dbBootstrapEnvSchema);
const logger = new Logger({ serviceName: "db-bootstrap" });
const secrets = awsClient((config) => new SecretsManagerClient(config), env.AWS_REGION);
const ssl = { ca: readFileSync(env.DB_CA_BUNDLE, "utf8") };

export const handler = async (event: unknown): Promise<DbBootstrapResult> => {
  const parsed = dbBootstrapEventSchema.safeParse(event ?? {});
  try {
    if (!parsed.success) throw new PlatformError("InvalidEvent", `Invalid bootstrap event: ${parsed.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; ")}.`);
    const result = await runBootstrap({ secrets, env, ssl, log: (message) => logger.info(message) }, parsed.data);
    logger.info("Bootstrap done", { ...result });
    return result;
  } catch (error) {
    logger.error("Bootstrap failed", { error: error as Error });
    // Lambda reports name, message and stack to the caller: keep it to one line.
    const failure = error instanceof PlatformError ? error : new PlatformError("BootstrapFailed", `Bootstrap failed: ${(error as Error).message}`);
    const answer = new Error(failure.message);
    answer.name = failure.code;
    answer.stack = `${failure.code}: ${failure.message}`;
    throw answer;
  }
};
