/**
 * The privilege matrix: every statement lambda_writer should be able to run, every one it must not,
 * and what it can do that no privilege takes away (documented in docs/aurora-iam.md). Each case runs
 * in its own transaction, rolled back, as lambda_writer on a migrated database.
 */
import type { Client } from "pg";

/** Seeded by {@link seedMatrixData}; the matrix filters by these keys. */
export const SEED_EVENT_ID = "00000000-0000-4000-8000-000000000001";
const NEW_EVENT_ID = "00000000-0000-4000-8000-0000000000aa";

export interface MatrixCase {
  readonly sql: string;
  readonly params?: readonly unknown[];
  /** For forbidden cases: the SQLSTATE expected. @default "42501" (insufficient_privilege) */
  readonly code?: string;
}

/** Statements that must succeed. */
export const ALLOWED: Readonly<Record<string, MatrixCase>> = {
  "insert a row": { sql: `INSERT INTO foo.events (event_id, source, payload, occurred_at) VALUES ($1, 'm', '{}', now())`, params: [NEW_EVENT_ID] },
  "insert … RETURNING the key": { sql: `INSERT INTO foo.events (event_id, source, payload, occurred_at) VALUES ($1, 'm', '{}', now()) RETURNING event_id`, params: [NEW_EVENT_ID] },
  "insert into an identity table (no sequence privilege needed) RETURNING id": { sql: `INSERT INTO bar.metrics (name, value) VALUES ('m', 1) RETURNING id` },
  "update filtered by the key": { sql: `UPDATE foo.events SET payload = '{"a":1}', source = 'x' WHERE event_id = $1`, params: [SEED_EVENT_ID] },
  "update by key RETURNING the key": { sql: `UPDATE bar.metrics SET value = 2 WHERE id = 1 RETURNING id` },
  "delete filtered by the key": { sql: `DELETE FROM foo.events WHERE event_id = $1`, params: [SEED_EVENT_ID] },
  "delete by key RETURNING the key": { sql: `DELETE FROM bar.metrics WHERE id = 1 RETURNING id` },
  "upsert: ON CONFLICT (key) DO UPDATE SET … = the bound values again": {
    sql: `INSERT INTO foo.events (event_id, source, payload, occurred_at) VALUES ($1, $2, $3, now())
          ON CONFLICT (event_id) DO UPDATE SET source = $2, payload = $3 RETURNING event_id`,
    params: [SEED_EVENT_ID, "m", "{}"],
  },
  "ON CONFLICT (key) DO NOTHING": { sql: `INSERT INTO foo.events (event_id, source, payload, occurred_at) VALUES ($1, 'm', '{}', now()) ON CONFLICT (event_id) DO NOTHING`, params: [SEED_EVENT_ID] },
  "ON CONFLICT DO NOTHING without a target": { sql: `INSERT INTO foo.events (event_id, source, payload, occurred_at) VALUES ($1, 'm', '{}', now()) ON CONFLICT DO NOTHING`, params: [SEED_EVENT_ID] },
  "insert into a table db_migrator created later": { sql: `INSERT INTO bar.later (note) VALUES ('n') RETURNING id` },
  "update a later table by its key": { sql: `UPDATE bar.later SET note = 'm' WHERE id = 1` },
};

/** Statements that must fail with insufficient_privilege (42501). */
export const FORBIDDEN: Readonly<Record<string, MatrixCase>> = {
  "SELECT *": { sql: "SELECT * FROM foo.events" },
  "SELECT a non-key column": { sql: "SELECT payload FROM foo.events" },
  "SELECT * from the other schema's table": { sql: "SELECT * FROM bar.metrics" },
  "COPY a table out": { sql: "COPY foo.events TO STDOUT" },
  "update filtered by a non-key column": { sql: `UPDATE foo.events SET source = 'x' WHERE source = 'seed'` },
  "update reading a non-key column": { sql: `UPDATE foo.events SET payload = payload || '{"b":2}' WHERE event_id = $1`, params: [SEED_EVENT_ID] },
  "delete filtered by a non-key column": { sql: `DELETE FROM foo.events WHERE occurred_at < now()` },
  "insert … RETURNING *": { sql: `INSERT INTO foo.events (event_id, source, payload, occurred_at) VALUES ($1, 'm', '{}', now()) RETURNING *`, params: [NEW_EVENT_ID] },
  "insert … RETURNING a non-key column": { sql: `INSERT INTO bar.metrics (name, value) VALUES ('m', 1) RETURNING value` },
  "update … RETURNING a non-key column": { sql: `UPDATE foo.events SET source = 'x' WHERE event_id = $1 RETURNING payload`, params: [SEED_EVENT_ID] },
  "delete … RETURNING *": { sql: `DELETE FROM foo.events WHERE event_id = $1 RETURNING *`, params: [SEED_EVENT_ID] },
  "upsert reading EXCLUDED (needs SELECT on that column of the table)": {
    sql: `INSERT INTO foo.events (event_id, source, payload, occurred_at) VALUES ($1, 'm', '{}', now())
          ON CONFLICT (event_id) DO UPDATE SET source = EXCLUDED.source`,
    params: [SEED_EVENT_ID],
  },
  "upsert reading the existing row": {
    sql: `INSERT INTO foo.events (event_id, source, payload, occurred_at) VALUES ($1, 'm', '{}', now())
          ON CONFLICT (event_id) DO UPDATE SET source = foo.events.source || '!'`,
    params: [SEED_EVENT_ID],
  },
  "upsert with a condition on a non-key column": {
    sql: `INSERT INTO foo.events (event_id, source, payload, occurred_at) VALUES ($1, 'm', '{}', now())
          ON CONFLICT (event_id) DO UPDATE SET source = EXCLUDED.source WHERE foo.events.source = 'seed'`,
    params: [SEED_EVENT_ID],
  },
  "CREATE TABLE in foo": { sql: "CREATE TABLE foo.evil (id int)" },
  "CREATE TABLE in bar": { sql: "CREATE TABLE bar.evil (id int)" },
  "CREATE TABLE in public": { sql: "CREATE TABLE public.evil (id int)" },
  // search_path is "$user", public and public is closed: no schema to create in (3F000).
  "CREATE TABLE without a schema": { sql: "CREATE TABLE evil (id int)", code: "3F000" },
  "CREATE SCHEMA": { sql: "CREATE SCHEMA evil" },
  "CREATE TEMP TABLE": { sql: "CREATE TEMP TABLE evil (id int)" },
  "CREATE FUNCTION in foo": { sql: "CREATE FUNCTION foo.evil() RETURNS int LANGUAGE sql AS 'SELECT 1'" },
  "CREATE VIEW in foo": { sql: "CREATE VIEW foo.evil AS SELECT 1 AS one" },
  "CREATE INDEX": { sql: "CREATE INDEX evil ON foo.events (source)" },
  "DROP TABLE": { sql: "DROP TABLE foo.events" },
  "DROP SCHEMA": { sql: "DROP SCHEMA bar CASCADE" },
  TRUNCATE: { sql: "TRUNCATE foo.events" },
  "ALTER TABLE": { sql: "ALTER TABLE foo.events ADD COLUMN evil int" },
  "ALTER TABLE … DISABLE TRIGGER": { sql: "ALTER TABLE foo.events DISABLE TRIGGER ALL" },
  "CREATE TRIGGER": { sql: "CREATE TRIGGER evil BEFORE INSERT ON foo.events FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()" },
  "read a table in public": { sql: "SELECT * FROM public.outside" },
  "write a table in public": { sql: "INSERT INTO public.outside VALUES (1)" },
  "read another schema": { sql: "SELECT * FROM other.secrets" },
  "write another schema": { sql: "INSERT INTO other.secrets VALUES ('x')" },
  "read the migration history": { sql: "SELECT * FROM platform_admin.schema_migrations" },
  "execute a function db_migrator created in foo": { sql: "SELECT foo.count_events()" },
  "SET ROLE db_migrator": { sql: "SET ROLE db_migrator" },
  "SET ROLE to the master user": { sql: "SET ROLE :master" },
  "ALTER DEFAULT PRIVILEGES for db_migrator": { sql: "ALTER DEFAULT PRIVILEGES FOR ROLE db_migrator GRANT SELECT ON TABLES TO lambda_writer" },
  "CREATE ROLE": { sql: "CREATE ROLE evil" },
};

/**
 * What lambda_writer can still do and no privilege takes away (PostgreSQL grants it to every role
 * or ties it to UPDATE/DELETE); docs/aurora-iam.md lists it with its bound.
 */
export const RESIDUAL: Readonly<Record<string, MatrixCase>> = {
  "read the key column (the price of filtered UPDATE/DELETE)": { sql: "SELECT event_id FROM foo.events" },
  "count rows": { sql: "SELECT count(*) FROM foo.events" },
  "delete every row (DELETE without WHERE reads no column)": { sql: "DELETE FROM foo.events" },
  "lock a table it may update (bounded by lock_timeout and statement_timeout)": { sql: "LOCK TABLE foo.events IN ACCESS EXCLUSIVE MODE" },
  "raise its own session timeouts": { sql: "SET statement_timeout = 0" },
  "change its own role defaults": { sql: "ALTER ROLE lambda_writer SET statement_timeout = 0" },
  "change its own password": { sql: "ALTER ROLE lambda_writer PASSWORD 'changed-in-a-rolled-back-transaction'" },
  "create a large object": { sql: "SELECT lo_create(0)" },
};

/**
 * Arranges what the matrix reads, as the superuser: a seeded row in each writer table, a table
 * db_migrator creates after the migrations ran, a function it owns, a table in public and one in a
 * schema the writer has nothing on.
 */
export async function seedMatrixData(superuser: Client): Promise<void> {
  await superuser.query(`INSERT INTO foo.events (event_id, source, payload, occurred_at) VALUES ($1, 'seed', '{"secret":true}', now()) ON CONFLICT DO NOTHING`, [SEED_EVENT_ID]);
  await superuser.query(`INSERT INTO bar.metrics (name, value) SELECT 'seed', 42 WHERE NOT EXISTS (SELECT FROM bar.metrics)`);
  await superuser.query(`SET ROLE db_migrator`);
  await superuser.query(`CREATE TABLE IF NOT EXISTS bar.later (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL)`);
  await superuser.query(`INSERT INTO bar.later (note) SELECT 'seed' WHERE NOT EXISTS (SELECT FROM bar.later)`);
  await superuser.query(`CREATE OR REPLACE FUNCTION foo.count_events() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM foo.events'`);
  await superuser.query(`RESET ROLE`);
  await superuser.query(`CREATE TABLE IF NOT EXISTS public.outside (id int)`);
  await superuser.query(`CREATE SCHEMA IF NOT EXISTS other`);
  await superuser.query(`CREATE TABLE IF NOT EXISTS other.secrets (value text)`);
}

export interface CaseOutcome {
  readonly name: string;
  /** undefined when the statement succeeded. */
  readonly errorCode?: string;
  readonly message?: string;
}

/** Runs each case in its own rolled-back transaction; `:master` in SQL becomes the master user. */
export async function runCases(writer: Client, cases: Readonly<Record<string, MatrixCase>>, masterUser: string): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const [name, c] of Object.entries(cases)) {
    await writer.query("BEGIN");
    try {
      await writer.query(c.sql.replace(":master", masterUser), c.params as unknown[] | undefined);
      outcomes.push({ name });
    } catch (error) {
      const e = error as { code?: string; message: string };
      outcomes.push({ name, errorCode: e.code, message: e.message });
    } finally {
      await writer.query("ROLLBACK");
    }
  }
  return outcomes;
}

/** The whole matrix's verdict: the names of cases that did not behave, each with why. */
export async function matrixFailures(writer: Client, masterUser: string): Promise<string[]> {
  const failures: string[] = [];
  for (const o of await runCases(writer, { ...ALLOWED, ...RESIDUAL }, masterUser)) {
    if (o.errorCode) failures.push(`allowed "${o.name}" failed: ${o.errorCode} ${o.message}`);
  }
  for (const o of await runCases(writer, FORBIDDEN, masterUser)) {
    const expected = FORBIDDEN[o.name].code ?? "42501";
    if (o.errorCode !== expected) failures.push(`forbidden "${o.name}" ${o.errorCode ? `failed with ${o.errorCode} ${o.message}, not ${expected}` : "succeeded"}`);
  }
  return failures;
}
