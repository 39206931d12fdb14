import { expect } from "chai";
import { Client } from "pg";
import { startPostgres, type PostgresCluster } from "../../../support/postgres";
import { migrate, migrationStatus, writerPrivilegeProblems, MigrationError } from "../../../../functions/shared/aurora-iam/migrate";
import { MIGRATIONS } from "../../../../functions/shared/aurora-iam/migration";
import { setWriterPassword } from "../../../../functions/shared/aurora-iam/writer-password";
import { createTestDatabase, type TestDatabase } from "./database";
import { ALLOWED, FORBIDDEN, RESIDUAL, runCases, seedMatrixData, type CaseOutcome } from "./privilege-matrix";

/** Everything privilege-related in the database, to prove a second run changes nothing. */
async function privilegeSnapshot(client: Client): Promise<unknown> {
  const queries = [
    "SELECT datname, datacl::text FROM pg_database WHERE datname = current_database()",
    "SELECT nspname, nspowner::regrole::text, nspacl::text FROM pg_namespace WHERE nspname IN ('public', 'foo', 'bar', 'platform_admin') ORDER BY 1",
    "SELECT c.oid::regclass::text, c.relowner::regrole::text, c.relacl::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('foo', 'bar') ORDER BY 1",
    "SELECT a.attrelid::regclass::text, a.attname, a.attacl::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('foo', 'bar') AND a.attnum > 0 ORDER BY 1, 2",
    "SELECT defaclrole::regrole::text, defaclnamespace, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2, 3",
    "SELECT r.rolname, s.setconfig::text FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole ORDER BY 1",
    "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname IN ('lambda_writer', 'db_migrator') ORDER BY 1",
    "SELECT version, name, checksum FROM platform_admin.schema_migrations ORDER BY 1",
  ];
  const out: unknown[] = [];
  for (const q of queries) out.push((await client.query(q)).rows);
  return out;
}

describe("aurora-iam migrations and lambda_writer's privileges (PostgreSQL 15)", function () {
  this.timeout(60000);
  let pg: PostgresCluster;
  let db: TestDatabase;
  let master: Client;
  let superuser: Client;
  let writer: Client;
  const writerPassword = "matrix-writer-Pw1";
  const reports: Awaited<ReturnType<typeof migrate>>[] = [];
  const outcomes = new Map<string, CaseOutcome>();
  let snapshots: unknown[] = [];
  let laterInsertBeforeRerun: string | undefined;

  before(async () => {
    pg = await startPostgres();
    db = await createTestDatabase(pg, "platform");
    master = await db.connect(db.masterUser, db.masterPassword);
    superuser = await db.superuser();

    reports.push(await migrate(master));
    snapshots.push(await privilegeSnapshot(superuser));
    reports.push(await migrate(master));
    snapshots.push(await privilegeSnapshot(superuser));

    await setWriterPassword(master, writerPassword);
    await seedMatrixData(superuser);
    writer = await db.connect("lambda_writer", writerPassword);
    // A table db_migrator creates later is insertable at once, through the default privileges alone.
    laterInsertBeforeRerun = await writer.query("INSERT INTO bar.later (note) VALUES ('early')").then(
      () => undefined,
      (e: Error) => e.message,
    );
    reports.push(await migrate(master));
    for (const o of await runCases(writer, { ...ALLOWED, ...RESIDUAL, ...FORBIDDEN }, db.masterUser)) outcomes.set(o.name, o);
  });

  after(async () => {
    for (const c of [writer, master, superuser]) await c?.end().catch(() => undefined);
    await pg?.stop();
  });

  it("applies every migration in order on a fresh database, as a non-superuser master like Aurora's", () => {
    expect(reports[0].applied).to.deep.equal(["0001-roles-and-database", "0002-writer-schemas", "0003-writer-tables"]);
    expect(reports[0].alreadyApplied).to.equal(0);
    expect(reports[0].keyColumnGrants).to.deep.equal(["bar.metrics", "foo.events"]);
  });

  it("runs twice without change", () => {
    expect(reports[1].applied).to.deep.equal([]);
    expect(reports[1].alreadyApplied).to.equal(MIGRATIONS.length);
    expect(snapshots[1]).to.deep.equal(snapshots[0]);
  });

  for (const name of Object.keys(ALLOWED)) {
    it(`lets lambda_writer ${name}`, () => {
      const o = outcomes.get(name)!;
      expect(o.errorCode, o.message).to.equal(undefined);
    });
  }

  for (const name of Object.keys(FORBIDDEN)) {
    it(`refuses lambda_writer: ${name}`, () => {
      const o = outcomes.get(name)!;
      expect(o.errorCode, o.message ?? "the statement succeeded").to.equal(FORBIDDEN[name].code ?? "42501");
    });
  }

  it("documents what no privilege takes away: each residual statement really succeeds", () => {
    for (const name of Object.keys(RESIDUAL)) expect(outcomes.get(name)!.errorCode, `${name}: ${outcomes.get(name)!.message}`).to.equal(undefined);
  });

  it("takes PUBLIC's CONNECT and TEMPORARY on the master's other databases too (Aurora's postgres database), not only on this one", async () => {
    // Through RDS Proxy the client names the database: lambda_writer must not reach another one and
    // create temporary tables there.
    await master.query("CREATE DATABASE platform_other");
    await migrate(master);
    const other = new Client({ host: pg.host, port: pg.port, database: "platform_other", user: "lambda_writer", password: writerPassword, ssl: { ca: pg.caCert } });
    const error = await other.connect().then(
      () => undefined,
      (e: { code?: string; message: string }) => e,
    );
    await other.end().catch(() => undefined);
    expect(error?.code, error?.message ?? "lambda_writer connected to another database").to.equal("42501");
    const acl = await superuser.query("SELECT has_database_privilege('public', 'platform_other', 'TEMPORARY') AS temp");
    expect(acl.rows[0].temp).to.equal(false);
  });

  it("covers tables db_migrator creates later: insert at once, key filters after the next bootstrap", () => {
    expect(laterInsertBeforeRerun).to.equal(undefined);
    expect(reports[2].keyColumnGrants).to.include("bar.later");
  });

  it("lets lambda_writer grant nothing: GRANT without grant options only warns, and changes no ACL", async () => {
    const before = await superuser.query("SELECT relacl::text FROM pg_class WHERE oid = 'foo.events'::regclass");
    const notices: string[] = [];
    writer.on("notice", (n) => notices.push(n.message ?? ""));
    await writer.query("GRANT INSERT ON foo.events TO PUBLIC");
    writer.removeAllListeners("notice");
    expect(notices).to.deep.equal(["no privileges were granted for \"events\""]);
    const after = await superuser.query("SELECT relacl::text FROM pg_class WHERE oid = 'foo.events'::regclass");
    expect(after.rows).to.deep.equal(before.rows);
  });

  it("gives lambda_writer bounded session defaults and no role memberships", async () => {
    const { rows } = await writer.query("SELECT current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt");
    expect(rows[0]).to.deep.equal({ st: "10s", lt: "5s" });
    const members = await superuser.query("SELECT count(*)::int AS n FROM pg_auth_members WHERE member = 'lambda_writer'::regrole");
    expect(members.rows[0].n).to.equal(0);
  });

  it("names a privilege someone added by hand, and the next bootstrap refuses to pass", async () => {
    await superuser.query("GRANT SELECT ON foo.events TO lambda_writer");
    try {
      expect(await writerPrivilegeProblems(master)).to.deep.equal(["lambda_writer holds SELECT on foo.events", "lambda_writer may read foo.events.occurred_at, which is not a key column", "lambda_writer may read foo.events.payload, which is not a key column", "lambda_writer may read foo.events.recorded_at, which is not a key column", "lambda_writer may read foo.events.source, which is not a key column"]);
      let error: unknown;
      await migrate(master).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(MigrationError);
      expect((error as Error).message).to.match(/holds SELECT on foo\.events/);
    } finally {
      // Revoking the table-level SELECT also takes the column-level ones: the next bootstrap re-grants the key.
      await superuser.query("REVOKE SELECT ON foo.events FROM lambda_writer");
    }
    expect(await writerPrivilegeProblems(master)).to.deep.equal(["lambda_writer may not read key column foo.events.event_id"]);
    await migrate(master);
    expect(await writerPrivilegeProblems(master)).to.deep.equal([]);
  });

  it("refuses a migration changed after it was applied, and a database newer than the code", async () => {
    const changed = MIGRATIONS.map((m) => (m.version === 2 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    let error: Error | undefined;
    await migrate(master, { migrations: changed }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/0002-writer-schemas was changed after it was applied/);
    await migrate(master, { migrations: MIGRATIONS.slice(0, 2) }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/has migration 0003-writer-tables, which this code does not know/);
  });

  it("rolls a failing migration back whole and records nothing", async () => {
    const broken = [...MIGRATIONS, { version: 4, name: "broken", runAs: "db_migrator" as const, sql: "CREATE TABLE foo.half (id int PRIMARY KEY); SELECT * FROM no_such_table;" }];
    let error: Error | undefined;
    await migrate(master, { migrations: broken }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/Migration 0004-broken failed and was rolled back: relation "no_such_table" does not exist/);
    const half = await superuser.query("SELECT to_regclass('foo.half') AS t");
    expect(half.rows[0].t).to.equal(null);
    expect((await migrationStatus(master)).map((s) => s.migration)).to.deep.equal(["0001-roles-and-database", "0002-writer-schemas", "0003-writer-tables"]);
  });
});
