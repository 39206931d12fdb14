/** A migrated database on a throw-away PostgreSQL 15 cluster, and the writer's pool against it with a substituted signer. */
import { Logger } from "@aws-lambda-powertools/logger";
import type { Pool } from "pg";
import { WRITER_DB_USER } from "../../../functions/shared/contracts/aurora-writer";
import { migrate } from "../../../functions/shared/aurora-iam/migrate";
import { setWriterPassword } from "../../../functions/shared/aurora-iam/writer-password";
import { createWriterPool } from "../../../functions/aurora-writer/writer";
import { startPostgres, type PostgresCluster } from "../../support/postgres";
import { createTestDatabase, type TestDatabase } from "../shared/aurora-iam/database";

export const silentLogger = new Logger({ serviceName: "test", logLevel: "SILENT" });

export interface MigratedDatabase {
  readonly pg: PostgresCluster;
  readonly db: TestDatabase;
  readonly writerPassword: string;
}

export async function startMigratedDatabase(name = "platform"): Promise<MigratedDatabase> {
  const pg = await startPostgres();
  const db = await createTestDatabase(pg, name);
  const master = await db.connect(db.masterUser, db.masterPassword);
  const writerPassword = "local-writer-Pw1";
  try {
    await migrate(master);
    await setWriterPassword(master, writerPassword);
  } finally {
    await master.end();
  }
  return { pg, db, writerPassword };
}

/** A stand-in for the IAM token signer that returns the local password and counts its calls. */
export function countingSigner(password: string | (() => string)): { sign: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    sign: async () => {
      calls += 1;
      return typeof password === "function" ? password() : password;
    },
    calls: () => calls,
  };
}

/** The writer's real pool (max 1, TLS verified), against the local cluster: only the signer and the CA differ. */
export function localWriterPool(m: MigratedDatabase, sign: () => Promise<string>): Pool {
  return createWriterPool(
    { host: m.pg.host, port: m.pg.port, database: m.db.name, user: WRITER_DB_USER, password: sign, queryTimeoutMs: 10_000, ssl: { ca: m.pg.caCert, rejectUnauthorized: true } },
    silentLogger,
  );
}
