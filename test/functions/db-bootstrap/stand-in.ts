/** The real bootstrap handler loaded against a local database, with Secrets Manager mocked (shared by the handler and CLI tests). */
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { PostgresCluster } from "../../support/postgres";
import type { TestDatabase } from "../shared/aurora-iam/database";

export type HandlerModule = typeof import("../../../functions/db-bootstrap/handler");

export const BOOTSTRAP_MASTER_ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:master";
export const BOOTSTRAP_WRITER_ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:writer";

/**
 * Loads the real bootstrap handler against a local database, with Secrets Manager mocked: the
 * master secret holds the database's master user, the writer secret starts empty and records what
 * is put into it. The cluster's test CA is the handler's CA bundle, as the RDS CAs are in Lambda.
 */
export async function loadBootstrapHandler(pg: PostgresCluster, db: TestDatabase): Promise<{ handler: HandlerModule["handler"]; stored: string[]; restore: () => void }> {
  const saved = { ...process.env };
  const caFile = join(mkdtempSync(join(tmpdir(), "ca-")), "ca.pem");
  writeFileSync(caFile, pg.caCert);
  Object.assign(process.env, {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
    MASTER_SECRET_ARN: BOOTSTRAP_MASTER_ARN,
    WRITER_SECRET_ARN: BOOTSTRAP_WRITER_ARN,
    DB_HOST: "localhost",
    DB_PORT: String(pg.port),
    DB_NAME: db.name,
    DB_CA_BUNDLE: caFile,
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  const stored: string[] = [];
  let versions: Record<string, string[]> = {};
  const sm = mockClient(SecretsManagerClient);
  sm.on(GetSecretValueCommand, { SecretId: BOOTSTRAP_MASTER_ARN }).resolves({ SecretString: JSON.stringify({ username: db.masterUser, password: db.masterPassword }) });
  sm.on(DescribeSecretCommand, { SecretId: BOOTSTRAP_WRITER_ARN }).callsFake(async () => ({ VersionIdsToStages: versions }));
  sm.on(PutSecretValueCommand, { SecretId: BOOTSTRAP_WRITER_ARN }).callsFake(async (input: { SecretString: string; ClientRequestToken: string }) => {
    stored.push(input.SecretString);
    versions = { [input.ClientRequestToken]: ["AWSCURRENT"] };
    return {};
  });
  // The module reads its environment at load: load it afresh for this database.
  delete require.cache[require.resolve("../../../functions/db-bootstrap/handler")];
  const { handler } = require("../../../functions/db-bootstrap/handler") as HandlerModule;
  return {
    handler,
    stored,
    restore: () => {
      sm.restore();
      process.env = saved;
    },
  };
}


