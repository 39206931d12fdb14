import { expect } from "chai";
import { RotateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { parseDatabaseSecret, type PostgresSecret } from "../../functions/shared/contracts/database-secret";
import { bootstrapDatabase } from "../../functions/shared/aurora-iam/bootstrap";
import { secretsManagerWriterStore } from "../../functions/db-bootstrap/run";
import { createWriter } from "../../functions/aurora-writer/writer";
import { startPostgres, type PostgresCluster } from "../support/postgres";
import { ROTATION_FUNCTION_ARN, startRotationHarness, type Harness } from "../support/rotation-harness";
import { createTestDatabase, type TestDatabase } from "../functions/shared/aurora-iam/database";
import { countingSigner, localWriterPool, silentLogger } from "../functions/aurora-writer/fixtures";

/**
 * lambda_writer's secret as the stack wires it: the Secrets Manager stand-in (real SDK client), the
 * rotation's real core and PostgreSQL engine (verified TLS), the bootstrap's real secret store. The
 * bootstrap writes the secret's first value; the credentials rotation then rotates it single-user,
 * logging in as lambda_writer itself (no admin secret), and the writer still writes with it.
 */
describe("aurora-iam: lambda_writer's secret rotates single-user after the bootstrap", function () {
  this.timeout(60_000);
  let pg: PostgresCluster;
  let db: TestDatabase;
  let h: Harness;

  before(async () => {
    pg = await startPostgres();
    db = await createTestDatabase(pg, "platform");
    h = await startRotationHarness({ engines: { postgres: { ca: pg.caCert } } });
  });
  after(async () => {
    await h?.stop();
    await pg?.stop();
  });

  const bootstrap = async (arn: string) => {
    const master = await db.connect(db.masterUser, db.masterPassword);
    try {
      return await bootstrapDatabase(master, { store: secretsManagerWriterStore(h.client, arn), connection: { host: "localhost", port: pg.port, dbname: db.name } });
    } finally {
      await master.end();
    }
  };
  const current = async (arn: string) => parseDatabaseSecret((await h.store.getValue(arn, { stage: "AWSCURRENT" }))!, "writer") as PostgresSecret;
  const writes = async (password: string, id: string) => {
    const pool = localWriterPool({ pg, db, writerPassword: password }, countingSigner(password).sign);
    try {
      return await createWriter({ pool, logger: silentLogger })({ table: "foo.events", operation: "insert", rows: [{ event_id: id, source: "rotation", payload: {}, occurred_at: "2026-11-30T12:00:00Z" }] });
    } finally {
      await pool.end();
    }
  };

  it("parses the bootstrap's secret, rotates it, and the writer writes with the new password only", async () => {
    const arn = await h.createSecret("csp-dev-aurora-iam/lambda_writer");
    // Terraform may enable rotation before the bootstrap ran: only testSecret runs (it throws if that fails), on a secret without a value.
    await h.client.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: ROTATION_FUNCTION_ARN, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));

    expect((await bootstrap(arn)).writerPassword).to.equal("set");
    const first = await current(arn);
    expect(first).to.include({ engine: "postgres", username: "lambda_writer", host: "localhost", port: pg.port, dbname: db.name, ssl: true, strategy: "single-user" });
    expect(await writes(first.password, "20000000-0000-4000-8000-000000000001")).to.include({ ok: true, rowCount: 1 });

    await h.rotate(arn);
    expect(h.sm.rotations.at(-1), JSON.stringify(h.sm.rotations.at(-1))).to.include({ ok: true });
    const rotated = await current(arn);
    expect(rotated.password).to.not.equal(first.password);
    expect(await h.engineFor(rotated).canLogin(rotated)).to.equal(true);
    expect(await h.engineFor(first).canLogin(first)).to.equal(false);
    expect(await writes(rotated.password, "20000000-0000-4000-8000-000000000002")).to.include({ ok: true, rowCount: 1 });

    // The bootstrap runs again (new bundle): it keeps the rotated password and the privilege check still passes.
    expect((await bootstrap(arn)).writerPassword).to.equal("kept");
    expect(await writes(rotated.password, "20000000-0000-4000-8000-000000000003")).to.include({ ok: true, rowCount: 1 });
  });
});
