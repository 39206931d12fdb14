/**
 * The PostgreSQL engine (`pg`, TLS with certificate verification). Passwords are set as SCRAM-SHA-256
 * verifiers computed here; identifiers and literals are quoted with the driver's own escaping.
 * Exported for other subsystems' tests (the Aurora stack rotates its proxy secret with it).
 */
import { Client, type ClientConfig } from "pg";
import type { PostgresSecret } from "../../contracts/database-secret";
import { scramSha256Verifier } from "../scram";
import { AuthenticationFailedError, redact, type DatabaseEngine, type SetPasswordOptions, type TestOptions } from "./engine";

/** SQLSTATEs that mean "these credentials are not accepted" (invalid_password, invalid_authorization_specification). */
const AUTH_FAILURE_CODES = new Set(["28P01", "28000"]);

export interface PostgresEngineOptions {
  /** PEM CA bundle to verify the server with (the RDS bundle in Lambda comes from NODE_EXTRA_CA_CERTS). */
  readonly ca?: string;
  /** @default 5000 */
  readonly connectTimeoutMs?: number;
}

export function isPostgresAuthFailure(error: unknown): boolean {
  return AUTH_FAILURE_CODES.has((error as { code?: string })?.code ?? "");
}

export function postgresClientConfig(secret: PostgresSecret, options: PostgresEngineOptions = {}): ClientConfig {
  return {
    host: secret.host,
    port: secret.port,
    user: secret.username,
    password: secret.password,
    database: secret.dbname,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    // Verified TLS unless the secret says the database has none (local development only).
    ssl: secret.ssl ? { rejectUnauthorized: true, ca: options.ca, servername: /^\d+\.\d+\.\d+\.\d+$/.test(secret.host) ? undefined : secret.host } : false,
    application_name: "secret-rotation",
  };
}

async function connect(secret: PostgresSecret, options: PostgresEngineOptions): Promise<Client> {
  const client = new Client(postgresClientConfig(secret, options));
  client.on("error", () => undefined); // a server-side disconnect after use must not crash the process
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    const message = redact((error as Error).message, secret.password);
    if (isPostgresAuthFailure(error)) throw new AuthenticationFailedError(`PostgreSQL rejected the credentials of ${secret.username}@${secret.host}: ${message}`, { cause: error });
    throw new Error(`Cannot connect to PostgreSQL at ${secret.host}:${secret.port} as ${secret.username}: ${message}`);
  }
}

async function withClient<T>(secret: PostgresSecret, options: PostgresEngineOptions, use: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(secret, options);
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function postgresEngine(options: PostgresEngineOptions = {}): DatabaseEngine<PostgresSecret> {
  return {
    async canLogin(secret) {
      try {
        await withClient(secret, options, (c) => c.query("SELECT 1"));
        return true;
      } catch (error) {
        if (error instanceof AuthenticationFailedError) return false;
        throw error;
      }
    },

    async setPassword(admin, username, password, setOptions: SetPasswordOptions = {}) {
      const verifier = scramSha256Verifier(password);
      await withClient(admin, options, async (c) => {
        const role = c.escapeIdentifier(username);
        const literal = c.escapeLiteral(verifier);
        if (setOptions.cloneOf) {
          const exists = await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [username]);
          if (exists.rowCount === 0) {
            await c.query("BEGIN");
            try {
              await c.query(`CREATE ROLE ${role} WITH LOGIN PASSWORD ${literal}`);
              // Identical grants: the clone is a member of the original (inherits its privileges) and of every role the original is in.
              await c.query(`GRANT ${c.escapeIdentifier(setOptions.cloneOf)} TO ${role}`);
              const memberships = await c.query<{ rolname: string }>(
                "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1",
                [setOptions.cloneOf],
              );
              for (const { rolname } of memberships.rows) await c.query(`GRANT ${c.escapeIdentifier(rolname)} TO ${role}`);
              await c.query("COMMIT");
            } catch (error) {
              await c.query("ROLLBACK").catch(() => undefined);
              throw new Error(`Cannot create the clone ${username} of ${setOptions.cloneOf}: ${redact((error as Error).message, password)}`);
            }
            return;
          }
        }
        try {
          await c.query(`ALTER ROLE ${role} WITH PASSWORD ${literal}`);
        } catch (error) {
          throw new Error(`Cannot set the password of ${username} as ${admin.username}: ${redact((error as Error).message, password)}`);
        }
      });
    },

    async test(secret, testOptions: TestOptions = {}) {
      await withClient(secret, options, async (c) => {
        const who = await c.query<{ current_user: string; can_connect: boolean }>("SELECT current_user, has_database_privilege(current_database(), 'CONNECT') AS can_connect");
        const row = who.rows[0];
        if (row.current_user !== secret.username) throw new Error(`Logged in as ${row.current_user}, expected ${secret.username}.`);
        if (!row.can_connect) throw new Error(`${secret.username} lacks CONNECT on database ${secret.dbname}.`);
        const missing: string[] = [];
        for (const required of secret.requiredPrivileges ?? []) {
          const [privilege, table] = required.split(":");
          const exists = await c.query("SELECT to_regclass($1) IS NOT NULL AS ok", [table]);
          if (!exists.rows[0].ok) {
            missing.push(`${privilege} on ${table} (no such table)`);
            continue;
          }
          const has = await c.query("SELECT has_table_privilege(current_user, $1, $2) AS ok", [table, privilege]);
          if (!has.rows[0].ok) missing.push(`${privilege} on ${table}`);
        }
        if (testOptions.sameGrantsAs) {
          const differences = await c.query<{ rel: string; priv: string }>(
            `SELECT c.oid::regclass::text AS rel, p.priv
               FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               CROSS JOIN unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE']) AS p(priv)
              WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
                AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
                AND has_table_privilege($1, c.oid, p.priv) AND NOT has_table_privilege(current_user, c.oid, p.priv)
              ORDER BY 1, 2 LIMIT 20`,
            [testOptions.sameGrantsAs],
          );
          for (const d of differences.rows) missing.push(`${d.priv} on ${d.rel} (which ${testOptions.sameGrantsAs} has)`);
        }
        if (missing.length > 0) throw new Error(`${secret.username} lacks privileges the application needs: ${missing.join(", ")}.`);
      });
    },
  };
}
