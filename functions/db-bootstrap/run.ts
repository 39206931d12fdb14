/**
 * The bootstrap function's core: read the master secret, connect to the cluster directly over
 * verified TLS, run the shared bootstrap, and store lambda_writer's password in its secret.
 */
import { randomUUID } from "node:crypto";
import type { ConnectionOptions } from "node:tls";
import { Client } from "pg";
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { DbBootstrapEnv, DbBootstrapEvent, DbBootstrapResult } from "../shared/contracts/db-bootstrap";
import { bootstrapDatabase, type WriterSecretStore } from "../shared/aurora-iam/bootstrap";
import { awsErrorCode, PlatformError } from "../shared/platform/errors";

/** A failure the caller (Terraform, the CLI) reads as a one-line message. */
export class BootstrapFailed extends PlatformError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("BootstrapFailed", message, options);
  }
}

/** The RDS-managed master secret: `{"username": …, "password": …}`. */
export async function readMasterCredentials(secrets: SecretsManagerClient, secretArn: string): Promise<{ username: string; password: string }> {
  try {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const parsed = JSON.parse(SecretString ?? "{}") as { username?: unknown; password?: unknown };
    if (typeof parsed.username !== "string" || typeof parsed.password !== "string") throw new Error("it has no username and password");
    return { username: parsed.username, password: parsed.password };
  } catch (error) {
    throw new BootstrapFailed(`Cannot read the master user secret ${secretArn} (${awsErrorCode(error) === "UnknownError" ? (error as Error).message : awsErrorCode(error)}).`, { cause: error });
  }
}

export function secretsManagerWriterStore(secrets: SecretsManagerClient, secretArn: string): WriterSecretStore {
  return {
    async hasValue() {
      // DescribeSecret lists versions and their labels without decrypting anything.
      const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));
      return Object.values(described.VersionIdsToStages ?? {}).some((stages) => stages.includes("AWSCURRENT"));
    },
    async putValue(value) {
      await secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(value), ClientRequestToken: randomUUID() }));
    },
  };
}

export interface RunDeps {
  readonly secrets: SecretsManagerClient;
  readonly env: DbBootstrapEnv;
  readonly log?: (message: string) => void;
  /** TLS to the cluster, always verified: `{ ca: <the RDS CA bundle> }`. */
  readonly ssl: ConnectionOptions;
}

export async function runBootstrap(deps: RunDeps, event: DbBootstrapEvent): Promise<DbBootstrapResult> {
  const { env, secrets } = deps;
  const master = await readMasterCredentials(secrets, env.MASTER_SECRET_ARN);
  const client = new Client({ host: env.DB_HOST, port: env.DB_PORT, database: env.DB_NAME, user: master.username, password: master.password, ssl: { ...deps.ssl, rejectUnauthorized: true }, connectionTimeoutMillis: 10_000, application_name: "db-bootstrap" });
  try {
    await client.connect();
  } catch (error) {
    throw new BootstrapFailed(`Cannot connect to ${env.DB_HOST}:${env.DB_PORT}/${env.DB_NAME} as the master user: ${(error as Error).message}.`, { cause: error });
  }
  try {
    return await bootstrapDatabase(client, {
      store: secretsManagerWriterStore(secrets, env.WRITER_SECRET_ARN),
      connection: { host: env.DB_HOST, port: env.DB_PORT, dbname: env.DB_NAME },
      resetWriterPassword: event.resetWriterPassword,
      log: deps.log,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}
