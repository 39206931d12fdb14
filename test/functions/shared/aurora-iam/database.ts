/**
 * A database on the throw-away PostgreSQL cluster set up like an Aurora one: a non-superuser master
 * user with CREATEROLE and CREATEDB that owns the database (Aurora's master holds rds_superuser,
 * not SUPERUSER), so migrations meet the same ownership rules here as in AWS.
 */
import { Client } from "pg";
import type { PostgresCluster } from "../../../support/postgres";

export interface TestDatabase {
  readonly name: string;
  readonly masterUser: string;
  readonly masterPassword: string;
  /** The master user's URL for this database (the `db-bootstrap --url` form). */
  readonly masterUrl: string;
  /** A connected client; the caller ends it. */
  connect(user: string, password: string): Promise<Client>;
  /** The cluster's superuser on this database, for arranging and inspecting. */
  superuser(): Promise<Client>;
}

export async function createTestDatabase(pg: PostgresCluster, name: string): Promise<TestDatabase> {
  const masterUser = `${name}_admin`;
  const masterPassword = `master-${Math.random().toString(36).slice(2)}`;
  const root = new Client({ connectionString: pg.url, ssl: { ca: pg.caCert } });
  await root.connect();
  try {
    await root.query(`CREATE ROLE ${masterUser} LOGIN CREATEROLE CREATEDB PASSWORD ${root.escapeLiteral(masterPassword)}`);
    await root.query(`CREATE DATABASE ${name} OWNER ${masterUser}`);
  } finally {
    await root.end();
  }
  const connectAs = async (user: string, password: string) => {
    const client = new Client({ host: pg.host, port: pg.port, database: name, user, password, ssl: { ca: pg.caCert } });
    await client.connect();
    return client;
  };
  return {
    name,
    masterUser,
    masterPassword,
    masterUrl: `postgresql://${masterUser}:${encodeURIComponent(masterPassword)}@${pg.host}:${pg.port}/${name}`,
    connect: connectAs,
    superuser: () => connectAs(pg.user, pg.password),
  };
}
