import { expect } from "chai";
import { LambdaClient } from "@aws-sdk/client-lambda";
import type { Client } from "pg";
import { run } from "../../scripts/cli/db-bootstrap/program";
import { createWriter } from "../../functions/aurora-writer/writer";
import { startPostgres, type PostgresCluster } from "../support/postgres";
import { createTestDatabase, type TestDatabase } from "../functions/shared/aurora-iam/database";
import { loadBootstrapHandler } from "../functions/db-bootstrap/stand-in";
import { startInvokeServer, type InvokeServer } from "../support/lambda-invoke-server";
import { countingSigner, localWriterPool, silentLogger } from "../functions/aurora-writer/fixtures";
import { matrixFailures, seedMatrixData } from "../functions/shared/aurora-iam/privilege-matrix";

/**
 * The subsystem end to end, with only AWS mocked: `db-bootstrap invoke` calls a local Lambda Invoke
 * API that runs the real bootstrap handler (Secrets Manager mocked) on a fresh database; the writer writes through its
 * real pg pool with the password the bootstrap stored (the proxy's side of the login) in place of
 * an IAM token; and the privilege matrix holds on the result.
 */
/** A real Lambda client pointed at the local Invoke API. */
const clientFor = (server: InvokeServer, region = "eu-west-1") =>
  new LambdaClient({ region, endpoint: server.endpoint, credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret" } });

describe("aurora-iam end to end: bootstrap, writer, privileges", function () {
  this.timeout(60000);
  let pg: PostgresCluster;
  let db: TestDatabase;
  let bootstrap: Awaited<ReturnType<typeof loadBootstrapHandler>>;
  let lambda: InvokeServer;
  let failing: InvokeServer;
  const out: string[] = [];
  const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(`ERR ${t}`), env: {} };

  before(async () => {
    pg = await startPostgres();
    db = await createTestDatabase(pg, "platform");
    bootstrap = await loadBootstrapHandler(pg, db);
    lambda = await startInvokeServer({ "csp-dev-aurora-iam-db-bootstrap": (event) => bootstrap.handler(event) }, { region: "eu-west-1" });
    failing = await startInvokeServer(
      {
        "csp-dev-aurora-iam-db-bootstrap": async () => {
          throw Object.assign(new Error("Migration 0004-x failed and was rolled back: boom"), { name: "MigrationError" });
        },
      },
      { region: "eu-west-1" },
    );
  });
  after(async () => {
    await lambda?.close();
    await failing?.close();
    bootstrap?.restore();
    await pg?.stop();
  });

  it("bootstraps a fresh database, writes through the real pool, and the privilege matrix holds", async () => {
    const cli = (...args: string[]) => run(["invoke", "--function-name", "csp-dev-aurora-iam-db-bootstrap", "--region", "eu-west-1", ...args], io, { lambda: (region) => clientFor(lambda, region) });
    expect(await cli(), out.join("")).to.equal(0);
    expect(out.join("")).to.equal(
      "Applied 0001-roles-and-database, 0002-writer-schemas, 0003-writer-tables.\nlambda_writer may read the key columns of: bar.metrics, foo.events.\nSet a new lambda_writer password.\n",
    );
    const secret = JSON.parse(bootstrap.stored[0]) as { username: string; password: string };
    expect(secret.username).to.equal("lambda_writer");

    const signer = countingSigner(secret.password);
    const pool = localWriterPool({ pg, db, writerPassword: secret.password }, signer.sign);
    let superuser: Client | undefined;
    let writer: Client | undefined;
    try {
      const write = createWriter({ pool, logger: silentLogger });
      const events = Array.from({ length: 20 }, (_, i) => ({
        table: "foo.events",
        operation: "insert",
        rows: [{ event_id: `10000000-0000-4000-8000-${String(i).padStart(12, "0")}`, source: "e2e", payload: { i }, occurred_at: "2026-11-30T12:00:00Z" }],
      }));
      for (const e of events) expect(await write(e)).to.include({ ok: true, rowCount: 1 });
      expect(await write({ table: "bar.metrics", operation: "insert", rows: [{ name: "e2e", value: 1 }] })).to.include({ ok: true });
      expect(signer.calls()).to.equal(1);
      superuser = await db.superuser();
      expect((await superuser.query("SELECT count(*)::int AS n FROM foo.events WHERE source = 'e2e'")).rows[0].n).to.equal(20);

      // A second invoke changes nothing and keeps the password the rotation now owns.
      out.length = 0;
      expect(await cli()).to.equal(0);
      expect(out.join("")).to.match(/^Nothing to apply: all 3 migrations were already applied\.\n.*\nKept lambda_writer's password\.\n$/s);

      await seedMatrixData(superuser);
      expect(await cli()).to.equal(0);
      writer = await db.connect("lambda_writer", secret.password);
      expect(await matrixFailures(writer, db.masterUser)).to.deep.equal([]);
    } finally {
      await writer?.end();
      await superuser?.end();
      await pool.end();
    }
  });

  it("reports a failed bootstrap as one line and exit code 1", async () => {
    out.length = 0;
    expect(await run(["invoke", "--function-name", "csp-dev-aurora-iam-db-bootstrap"], io, { lambda: (region) => clientFor(failing, region) })).to.equal(1);
    expect(out).to.deep.equal(["ERR db-bootstrap: Migration 0004-x failed and was rolled back: boom (MigrationError)\n"]);
  });
});
