/**
 * Applies the repository's migrations to a PostgreSQL database, in order and each once (recorded in
 * platform_admin.schema_migrations with a checksum), then re-grants the writer's key columns and
 * checks lambda_writer's privileges. Serialised by an advisory lock, so two bootstraps cannot race.
 * Used by the bootstrap function and the `db-bootstrap` CLI; works against any PostgreSQL URL.
 */
import type { ClientBase } from "pg";
import { WRITER_DB_USER } from "../contracts/aurora-writer";
import { PlatformError } from "../platform/errors";
import { checksum, MIGRATIONS, MIGRATOR_ROLE, WRITER_SCHEMAS, type Migration } from "./migration";

/** Arbitrary but fixed: the advisory lock every bootstrap takes. */
const MIGRATION_LOCK_ID = 741_300_013;

export class MigrationError extends PlatformError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("MigrationError", message, options);
  }
}

export interface MigrationReport {
  /** Migrations applied by this run, as `NNNN-name`. */
  readonly applied: readonly string[];
  /** Migrations that were already applied. */
  readonly alreadyApplied: number;
  /** Tables whose key columns lambda_writer may read (for filters, conflict targets and RETURNING). */
  readonly keyColumnGrants: readonly string[];
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: Date;
}

const label = (m: { version: number; name: string }) => `${String(m.version).padStart(4, "0")}-${m.name}`;

const BOOKKEEPING = /* sql */ `
CREATE SCHEMA IF NOT EXISTS platform_admin;
REVOKE ALL ON SCHEMA platform_admin FROM PUBLIC;
CREATE TABLE IF NOT EXISTS platform_admin.schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  applied_by text NOT NULL DEFAULT current_user
);`;

/** Migrations already recorded in the database (none when it was never bootstrapped). */
export async function appliedMigrations(client: ClientBase): Promise<AppliedMigration[]> {
  const exists = await client.query<{ present: boolean }>("SELECT to_regclass('platform_admin.schema_migrations') IS NOT NULL AS present");
  if (!exists.rows[0].present) return [];
  const { rows } = await client.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
    "SELECT version, name, checksum, applied_at FROM platform_admin.schema_migrations ORDER BY version",
  );
  return rows.map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedAt: r.applied_at }));
}

/** The recorded history must be a prefix of the repository's list, unchanged. */
function pendingMigrations(applied: readonly AppliedMigration[], migrations: readonly Migration[]): Migration[] {
  for (const done of applied) {
    const known = migrations.find((m) => m.version === done.version);
    if (!known) throw new MigrationError(`The database has migration ${label(done)}, which this code does not know: deploy the newer code instead of an older one.`);
    if (checksum(known) !== done.checksum) {
      throw new MigrationError(`Migration ${label(known)} was changed after it was applied (checksum differs): restore it and add a new migration for the change.`);
    }
  }
  const versions = migrations.map((m) => m.version);
  if (versions.some((v, i) => v !== i + 1)) throw new MigrationError(`Migration versions must run 1, 2, 3 … without gaps; found ${versions.join(", ")}.`);
  return migrations.filter((m) => !applied.some((a) => a.version === m.version));
}

async function inTransaction<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

async function applyMigration(client: ClientBase, migration: Migration): Promise<void> {
  try {
    await inTransaction(client, async () => {
      if (migration.runAs === MIGRATOR_ROLE) await client.query(`SET LOCAL ROLE ${MIGRATOR_ROLE}`);
      await client.query(migration.sql);
      await client.query("RESET ROLE");
      await client.query("INSERT INTO platform_admin.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [migration.version, migration.name, checksum(migration)]);
    });
  } catch (error) {
    throw new MigrationError(`Migration ${label(migration)} failed and was rolled back: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Column-level SELECT on primary-key columns cannot be a default privilege (C.6), so it is granted
 * here on every run, for every table in the writer's schemas, and taken back from every other column.
 * Runs as the tables' owner. Converges: running it twice changes nothing.
 */
const GRANT_KEY_COLUMNS = /* sql */ `
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.oid::regclass AS tbl,
           string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FILTER (WHERE a.attnum = ANY (i.indkey)) AS keys,
           string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FILTER (WHERE NOT a.attnum = ANY (i.indkey)) AS others
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = ANY ($1) AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) = '${MIGRATOR_ROLE}'
    GROUP BY c.oid
  LOOP
    IF t.others IS NOT NULL THEN
      EXECUTE format('REVOKE SELECT (%s) ON %s FROM ${WRITER_DB_USER}', t.others, t.tbl);
    END IF;
    EXECUTE format('GRANT SELECT (%s) ON %s TO ${WRITER_DB_USER}', t.keys, t.tbl);
  END LOOP;
END
$$;`;

/**
 * Migration 1 takes CONNECT and TEMPORARY from PUBLIC on this database only, but a client of RDS
 * Proxy names the database it wants: lambda_writer could log in to another one (Aurora's `postgres`
 * database) and create temporary tables there. So on every run, as the migration user, PUBLIC loses
 * them on every other database that user owns (through membership); the owner keeps its rights.
 * Databases it does not own (rdsadmin's) are left alone: a REVOKE there would only warn.
 */
const TIGHTEN_OTHER_DATABASES = /* sql */ `
DO $$
DECLARE
  d record;
BEGIN
  FOR d IN
    SELECT datname FROM pg_database
    WHERE datallowconn AND datname <> current_database() AND pg_has_role(current_user, datdba, 'MEMBER')
  LOOP
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', d.datname);
  END LOOP;
END
$$;`;

async function grantKeyColumns(client: ClientBase): Promise<string[]> {
  // DO blocks take no parameters: the schema list is a constant of this module, not input.
  const schemas = `ARRAY[${WRITER_SCHEMAS.map((s) => client.escapeLiteral(s)).join(", ")}]`;
  await inTransaction(client, async () => {
    await client.query(`SET LOCAL ROLE ${MIGRATOR_ROLE}`);
    await client.query(GRANT_KEY_COLUMNS.replace("$1", schemas));
  });
  const { rows } = await client.query<{ tbl: string }>(
    `SELECT DISTINCT table_schema || '.' || table_name AS tbl FROM information_schema.column_privileges
     WHERE grantee = $1 AND privilege_type = 'SELECT' ORDER BY 1`,
    [WRITER_DB_USER],
  );
  return rows.map((r) => r.tbl);
}

/**
 * What lambda_writer must not hold, checked after every run: a REVOKE run by a non-owner only warns
 * (C.6), so a migration can "succeed" without taking anything away. Returns each problem as a sentence.
 */
export async function writerPrivilegeProblems(client: ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ problem: string }>(
    /* sql */ `
WITH tables AS (
  SELECT c.oid, c.oid::regclass::text AS name, i.indkey
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
  WHERE n.nspname = ANY ($2) AND c.relkind IN ('r', 'p')
)
SELECT 'may create schemas in the database' AS problem WHERE has_database_privilege($1, current_database(), 'CREATE')
UNION ALL SELECT 'may create temporary tables' WHERE has_database_privilege($1, current_database(), 'TEMPORARY')
UNION ALL SELECT 'may use schema public' WHERE has_schema_privilege($1, 'public', 'USAGE') OR has_schema_privilege($1, 'public', 'CREATE')
UNION ALL SELECT format('may create objects in schema %s', s) FROM unnest($2::text[]) s WHERE has_schema_privilege($1, s, 'CREATE')
UNION ALL SELECT format('may not use schema %s', s) FROM unnest($2::text[]) s WHERE NOT has_schema_privilege($1, s, 'USAGE')
UNION ALL SELECT format('lacks %s on %s', p, t.name) FROM tables t CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE']) p WHERE NOT has_table_privilege($1, t.oid, p)
UNION ALL SELECT format('holds %s on %s', p, t.name) FROM tables t CROSS JOIN unnest(ARRAY['SELECT', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p WHERE has_table_privilege($1, t.oid, p)
UNION ALL SELECT format('%s has no primary key, so filtered updates and deletes cannot work', t.name) FROM tables t WHERE t.indkey IS NULL
UNION ALL SELECT format('may read %s.%s, which is not a key column', t.name, a.attname)
  FROM tables t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE NOT a.attnum = ANY (coalesce(t.indkey, '')) AND has_column_privilege($1, t.oid, a.attnum, 'SELECT')
UNION ALL SELECT format('may not read key column %s.%s', t.name, a.attname)
  FROM tables t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (t.indkey)
  WHERE NOT has_column_privilege($1, t.oid, a.attnum, 'SELECT')
UNION ALL SELECT format('may execute %s', p.oid::regprocedure) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = ANY ($2) AND has_function_privilege($1, p.oid, 'EXECUTE')
UNION ALL SELECT format('is a member of role %s (rds_iam would make it IAM-only and break the proxy''s password login)', r.rolname)
  FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)
UNION ALL SELECT 'has a role attribute beyond LOGIN' FROM pg_roles
  WHERE rolname = $1 AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls)
UNION ALL SELECT 'does not exist' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)
ORDER BY 1`,
    [WRITER_DB_USER, [...WRITER_SCHEMAS]],
  );
  return rows.map((r) => `${WRITER_DB_USER} ${r.problem}`);
}

export interface MigrateOptions {
  /** @default the repository's {@link MIGRATIONS} */
  readonly migrations?: readonly Migration[];
  readonly log?: (message: string) => void;
}

/** Applies pending migrations, re-grants key columns and verifies the writer's privileges. Idempotent. */
export async function migrate(client: ClientBase, options: MigrateOptions = {}): Promise<MigrationReport> {
  const migrations = options.migrations ?? MIGRATIONS;
  const log = options.log ?? (() => undefined);
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
  try {
    await client.query(BOOKKEEPING);
    const applied = await appliedMigrations(client);
    const pending = pendingMigrations(applied, migrations);
    for (const migration of pending) {
      log(`applying ${label(migration)}`);
      await applyMigration(client, migration);
    }
    await client.query(TIGHTEN_OTHER_DATABASES);
    const keyColumnGrants = await grantKeyColumns(client);
    const problems = await writerPrivilegeProblems(client);
    if (problems.length > 0) {
      throw new MigrationError(`Migrations applied, but the writer's privileges are wrong: ${problems.join("; ")}. Run the bootstrap as the database owner (the cluster's master user).`);
    }
    return { applied: pending.map(label), alreadyApplied: applied.length, keyColumnGrants };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => undefined);
  }
}

/** Each migration with whether it is applied, for `db-bootstrap status`. */
export async function migrationStatus(client: ClientBase, migrations: readonly Migration[] = MIGRATIONS): Promise<{ migration: string; appliedAt?: Date }[]> {
  const applied = await appliedMigrations(client);
  pendingMigrations(applied, migrations);
  return migrations.map((m) => ({ migration: label(m), appliedAt: applied.find((a) => a.version === m.version)?.appliedAt }));
}
