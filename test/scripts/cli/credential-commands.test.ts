import { expect } from "chai";
import { Client } from "pg";
import { parseDatabaseSecret, type PostgresSecret } from "../../../functions/shared/contracts/database-secret";
import { postgresEngine } from "../../../functions/shared/credentials/engines/postgres";
import { run as setup } from "../../../scripts/cli/setup-credentials/program";
import { run as rotate } from "../../../scripts/cli/rotate/program";
import { run as rollback } from "../../../scripts/cli/rollback/program";
import { run as status } from "../../../scripts/cli/rotation-status/program";
import { startPostgres, type PostgresCluster } from "../../support/postgres";
import { ROTATION_FUNCTION_ARN, startRotationHarness, type Harness } from "../../support/rotation-harness";
import { captureIo } from "./io";
import { RotateSecretCommand } from "@aws-sdk/client-secrets-manager";

describe("credential commands against the Secrets Manager stand-in and real PostgreSQL", function () {
  this.timeout(60_000);
  let pg: PostgresCluster;
  let h: Harness;
  const env = () => ({ POSTGRES_HOST: pg.host, POSTGRES_PORT: String(pg.port), POSTGRES_USER: "cli_app", POSTGRES_PASSWORD: `O'Brien"s\\pw-1`, POSTGRES_DATABASE: "postgres" });
  const current = async () => parseDatabaseSecret((await h.store.getValue("avesa/postgres/cli", { stage: "AWSCURRENT" }))!, "t") as PostgresSecret;

  before(async () => {
    pg = await startPostgres();
    h = await startRotationHarness({ engines: { postgres: { ca: pg.caCert } } });
    const admin = new Client({ connectionString: pg.url, ssl: { ca: pg.caCert } });
    await admin.connect();
    await admin.query(`CREATE ROLE cli_app LOGIN PASSWORD ${admin.escapeLiteral(`O'Brien"s\\pw-1`)}`);
    await admin.end();
    await h.createSecret("avesa/postgres/cli");
    await h.client.send(new RotateSecretCommand({ SecretId: "avesa/postgres/cli", RotationLambdaARN: ROTATION_FUNCTION_ARN, RotationRules: { AutomaticallyAfterDays: 90 }, RotateImmediately: false }));
  });
  after(async () => {
    await h?.stop();
    await pg?.stop();
  });

  it("setup-credentials --validate-only tests the login and stores nothing", async () => {
    const io = captureIo(env());
    const code = await setup(["--engine", "postgres", "--environment", "cli", "--from-env", "--validate-only"], { io, store: h.store, engineFor: h.engineFor });
    expect(code, io.stderr()).to.equal(0);
    expect(io.stdout()).to.include("ok: logs in");
    expect(await h.store.getValue("avesa/postgres/cli", { stage: "AWSCURRENT" })).to.equal(undefined);
  });

  it("setup-credentials refuses credentials that do not log in (exit 1) and bad input (exit 2), naming the problem", async () => {
    const wrong = captureIo({ ...env(), POSTGRES_PASSWORD: "Wrong-Password-1" });
    expect(await setup(["--engine", "postgres", "--environment", "cli", "--from-env"], { io: wrong, store: h.store, engineFor: h.engineFor })).to.equal(1);
    expect(wrong.stderr()).to.match(/^setup-credentials: PostgreSQL rejected the credentials of cli_app@127\.0\.0\.1/);
    expect(wrong.stderr()).to.not.include("Wrong-Password-1");
    const missing = captureIo({ POSTGRES_HOST: "db" });
    expect(await setup(["--engine", "postgres", "--environment", "cli", "--from-env"], { io: missing, store: h.store, engineFor: h.engineFor })).to.equal(2);
    expect(missing.stderr()).to.equal("setup-credentials: --from-env needs POSTGRES_USER, POSTGRES_PASSWORD in the environment. (ValidationError)\n");
    const engine = captureIo(env());
    expect(await setup(["--engine", "mysql", "--environment", "cli", "--from-env"], { io: engine })).to.equal(2);
    expect(await setup(["--engine", "postgres", "--environment", "cli"], { io: captureIo() })).to.equal(2);
  });

  it("setup-credentials stores the tested secret (interactive prompt, password not echoed)", async () => {
    const answers: Record<string, string> = { Host: pg.host, Port: String(pg.port), User: "cli_app", Database: "postgres", "Password (not shown)": `O'Brien"s\\pw-1` };
    const hidden: string[] = [];
    const prompt = { ask: async (q: string, o: { hidden?: boolean } = {}) => (o.hidden && hidden.push(q), answers[q]) };
    const io = captureIo();
    const code = await setup(["--engine", "postgres", "--environment", "cli", "--interactive"], { io, prompt, store: h.store, engineFor: h.engineFor });
    expect(code, io.stderr()).to.equal(0);
    expect(hidden).to.deep.equal(["Password (not shown)"]);
    expect((await current()).password).to.equal(`O'Brien"s\\pw-1`);
    expect(io.stdout()).to.not.include("O'Brien");
  });

  it("rotate --wait starts the rotation through RotateSecret and waits for AWSCURRENT", async () => {
    const io = captureIo();
    const code = await rotate(["--secret", "avesa/postgres/cli", "--wait", "--timeout", "30"], { io, store: h.store, pollMs: 50 });
    expect(code, io.stderr()).to.equal(0);
    expect(io.stdout()).to.match(/done: version .* is AWSCURRENT/);
    expect(await postgresEngine({ ca: pg.caCert }).canLogin(await current())).to.equal(true);
  });

  it("rotation-status shows the last rotation and exits 0 when healthy, 1 when a secret is missing", async () => {
    const io = captureIo();
    expect(await status(["--secret", "avesa/postgres/cli"], { io, store: h.store })).to.equal(0);
    expect(io.stdout()).to.match(/^OK  avesa\/postgres\/cli\n    every 90 days; last 20\d\d-/);
    const missing = captureIo();
    expect(await status(["--environment", "nowhere"], { io: missing, store: h.store })).to.equal(1);
    expect(missing.stdout()).to.include("PROBLEM  avesa/clickhouse/nowhere");
  });

  it("rollback sets the previous password back on the database and makes it current", async () => {
    const rotated = await current();
    const io = captureIo();
    const code = await rollback(["--secret", "avesa/postgres/cli"], { io, store: h.store, engineFor: h.engineFor });
    expect(code, io.stderr()).to.equal(0);
    expect(io.stdout()).to.include("- Set the previous password of cli_app back on the database.");
    const restored = await current();
    expect(restored.password).to.equal(`O'Brien"s\\pw-1`);
    const engine = postgresEngine({ ca: pg.caCert });
    expect(await engine.canLogin(restored)).to.equal(true);
    expect(await engine.canLogin(rotated)).to.equal(false);
  });
});
