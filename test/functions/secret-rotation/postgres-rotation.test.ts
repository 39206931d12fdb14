import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { Client } from "pg";
import { parseDatabaseSecret, type PostgresSecret } from "../../../functions/shared/contracts/database-secret";
import { ROTATION_STEPS } from "../../../functions/shared/contracts/secret-rotation";
import { postgresEngine } from "../../../functions/shared/credentials/engines/postgres";
import { requestRotation, rollback } from "../../../functions/shared/credentials/rotation-control";
import { startPostgres, type PostgresCluster } from "../../support/postgres";
import { ROTATION_FUNCTION_ARN, startRotationHarness, type Harness } from "../../support/rotation-harness";
import { rotate } from "../../../functions/secret-rotation/rotate";
import { RotateSecretCommand } from "@aws-sdk/client-secrets-manager";

describe("secret rotation: PostgreSQL engine on a real PostgreSQL 15", function () {
  this.timeout(60_000);
  let pg: PostgresCluster;
  let h: Harness;
  let n = 0;

  async function admin<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: pg.url, ssl: { ca: pg.caCert } });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  /** A fresh application user with a table it may read and write, and its secret. */
  async function appUser(options: { password?: string; strategy?: "single-user" | "alternating-users" } = {}): Promise<{ arn: string; user: string; initial: PostgresSecret }> {
    n += 1;
    const user = `app${n}`;
    const password = options.password ?? `Initial-${n}-Password`;
    await admin(`CREATE ROLE ${user} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
    await admin(`CREATE TABLE IF NOT EXISTS public.events${n} (id serial primary key, body text)`);
    await admin(`GRANT SELECT, INSERT ON public.events${n} TO ${user}`);
    await admin(`GRANT USAGE ON SEQUENCE public.events${n}_id_seq TO ${user}`);
    let masterarn: string | undefined;
    if (options.strategy === "alternating-users") {
      masterarn = await h.createSecret(`avesa/postgres-master/${n}`, { engine: "postgres", host: pg.host, port: pg.port, username: pg.user, password: pg.password });
    }
    const initial = parseDatabaseSecret(
      JSON.stringify({ engine: "postgres", host: pg.host, port: pg.port, username: user, password, dbname: "postgres", strategy: options.strategy ?? "single-user", masterarn, requiredPrivileges: [`INSERT:public.events${n}`] }),
      "test",
    ) as PostgresSecret;
    const arn = await h.createSecret(`avesa/postgres/test${n}`, initial);
    return { arn, user, initial };
  }

  async function stage(arn: string, stage: string): Promise<PostgresSecret> {
    return parseDatabaseSecret((await h.store.getValue(arn, { stage }))!, stage) as PostgresSecret;
  }
  const engine = () => postgresEngine({ ca: pg.caCert });

  before(async () => {
    pg = await startPostgres({ logStatements: true });
    h = await startRotationHarness({ engines: { postgres: { ca: pg.caCert } } });
  });
  after(async () => {
    await h?.stop();
    await pg?.stop();
  });
  beforeEach(() => {
    h.faults.clear();
    h.faultsAfter.clear();
  });

  it("rotates a single user: the new password works, the old one stops working, AWSPREVIOUS keeps it", async () => {
    const { arn, initial } = await appUser();
    await h.rotate(arn);

    expect(h.sm.rotations.at(-1)).to.include({ ok: true });
    const current = await stage(arn, "AWSCURRENT");
    expect(current.password).to.not.equal(initial.password);
    expect(current.username).to.equal(initial.username);
    expect(await engine().canLogin(current)).to.equal(true);
    expect(await engine().canLogin(initial)).to.equal(false);
    expect((await stage(arn, "AWSPREVIOUS")).password).to.equal(initial.password);
    // Generated passwords avoid quotes and backslashes and never reach a log.
    expect(current.password).to.match(/^[^'"\\]{32}$/);
    expect(h.logs.join("\n")).to.not.include(current.password);
  });

  it("sends a SCRAM verifier, never the clear password, to the server's statement log", async () => {
    const { arn } = await appUser();
    await h.rotate(arn);
    const current = await stage(arn, "AWSCURRENT");
    const log = readFileSync(join(dirname(pg.dataDir), "server.log"), "utf8");
    expect(log).to.match(/ALTER ROLE "app\d+" WITH PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(log).to.not.include(current.password);
  });

  it("alternates users: the clone gets the original's grants, and both credentials keep working", async () => {
    const { arn, user, initial } = await appUser({ strategy: "alternating-users" });
    await h.rotate(arn);
    const first = await stage(arn, "AWSCURRENT");
    expect(first.username).to.equal(`${user}_clone`);
    expect(await engine().canLogin(first)).to.equal(true);
    expect(await engine().canLogin(initial)).to.equal(true); // the previous user still works
    await engine().test(first, { sameGrantsAs: user });

    await h.rotate(arn);
    const second = await stage(arn, "AWSCURRENT");
    expect(second.username).to.equal(user);
    expect(second.password).to.not.equal(initial.password);
    expect(await engine().canLogin(second)).to.equal(true);
    expect(await engine().canLogin(first)).to.equal(true);
    expect(await engine().canLogin(initial)).to.equal(false);
    expect((await stage(arn, "AWSPREVIOUS")).username).to.equal(`${user}_clone`);
  });

  for (const step of ROTATION_STEPS) {
    for (const strategy of ["single-user", "alternating-users"] as const) {
      it(`${strategy}: a failure in ${step} leaves working credentials and the service's next attempt completes`, async () => {
        const { arn, initial } = await appUser({ strategy });
        h.faults.set(step, 2); // both of the service's attempts fail
        await h.rotate(arn);
        expect(h.sm.rotations.at(-1)).to.include({ ok: false });
        expect((await stage(arn, "AWSCURRENT")).password).to.equal(initial.password);

        if (step === "finishSecret" && strategy === "single-user") {
          // The database already has the new password; until the retry, AWSPENDING works (the credential manager falls back to it).
          expect(await engine().canLogin(await stage(arn, "AWSPENDING"))).to.equal(true);
        } else {
          expect(await engine().canLogin(initial)).to.equal(true);
        }
        // Every later RotateSecret is refused until that rotation completes ...
        const refused = await h.store.rotate(arn).then(() => "started", (e: Error) => e.message);
        expect(refused).to.match(/previous rotation isn't complete/);

        // ... which the service's re-attempt does.
        const retried = await h.sm.reattempt(arn);
        expect(retried.ok, retried.error).to.equal(true);
        const current = await stage(arn, "AWSCURRENT");
        expect(current.password).to.not.equal(initial.password);
        expect(await engine().canLogin(current)).to.equal(true);
        await h.rotate(arn);
        expect(h.sm.rotations.at(-1)).to.include({ ok: true });
      });
    }
  }

  it("each step is idempotent: a timeout after the work retries without a second password", async () => {
    const { arn } = await appUser();
    for (const step of ROTATION_STEPS) h.faultsAfter.set(step, 1);
    h.sm.setRotationAttempts(5);
    await h.rotate(arn);
    h.sm.setRotationAttempts(2);
    const record = h.sm.rotations.at(-1)!;
    expect(record.ok, record.error).to.equal(true);
    expect(record.steps.filter((s) => !s.ok)).to.have.length(4);
    const current = await stage(arn, "AWSCURRENT");
    expect(await engine().canLogin(current)).to.equal(true);
    // One pending value was generated and reused by the retry of createSecret.
    expect(Object.values(h.sm.versions(arn)).filter((v) => v.value !== undefined)).to.have.length(2);
  });

  it("recovers an AWSPENDING label an abandoned rotation left on an empty version", async () => {
    const { arn, initial } = await appUser();
    h.faults.set("createSecret", 2);
    await h.rotate(arn);
    const orphan = Object.entries(h.sm.versions(arn)).find(([, v]) => v.stages.includes("AWSPENDING"))!;
    expect(orphan[1].value).to.equal(undefined);

    const request = await requestRotation(h.store, arn, { stalePendingMs: 0 });
    await h.sm.settled();
    expect(request.recoveredVersionId).to.equal(orphan[0]);
    expect(h.sm.rotations.at(-1)).to.include({ ok: true });
    const current = await stage(arn, "AWSCURRENT");
    expect(current.password).to.not.equal(initial.password);
    expect(await engine().canLogin(current)).to.equal(true);
  });

  it("does not touch an AWSPENDING of a rotation still in progress", async () => {
    const { arn } = await appUser();
    h.faults.set("createSecret", 2);
    await h.rotate(arn);
    const error = await requestRotation(h.store, arn).then(() => undefined, (e: Error) => e);
    expect(error?.name).to.equal("RotationInProgressError");
    expect(error?.message).to.match(/is not complete/);
  });

  it("handles passwords with quotes and backslashes", async () => {
    const tricky = `Ab1'quo"te\\back\\'; DROP ROLE x; --`;
    const { arn, user, initial } = await appUser({ password: tricky });
    expect(await engine().canLogin(initial)).to.equal(true);
    await h.rotate(arn); // logs in with the tricky current password to set the new one
    expect(h.sm.rotations.at(-1)).to.include({ ok: true });
    const current = await stage(arn, "AWSCURRENT");
    await engine().setPassword(current, user, tricky);
    expect(await engine().canLogin({ ...current, password: tricky })).to.equal(true);
  });

  it("rolls back: AWSPREVIOUS becomes current and its password works again", async () => {
    const { arn, initial } = await appUser();
    await h.rotate(arn);
    const rotated = await stage(arn, "AWSCURRENT");
    const result = await rollback(h.store, arn, h.engineFor);
    expect(result.actions.join(" ")).to.match(/Set the previous password/);
    expect((await stage(arn, "AWSCURRENT")).password).to.equal(initial.password);
    expect((await stage(arn, "AWSPREVIOUS")).password).to.equal(rotated.password);
    expect(await engine().canLogin(initial)).to.equal(true);
    // The rotated version no longer carries AWSPENDING, so the next rotation is not refused as incomplete.
    const versions = h.sm.versions(arn);
    expect(Object.values(versions).filter((v) => v.stages.includes("AWSPENDING"))).to.deep.equal([]);
    await h.rotate(arn);
    expect(h.sm.rotations.at(-1)).to.include({ ok: true });
    const next = await stage(arn, "AWSCURRENT");
    expect(next.password).to.not.equal(initial.password).and.to.not.equal(rotated.password);
    expect(await engine().canLogin(next)).to.equal(true);
  });

  it("refuses a pending version that names another user (confused deputy)", async () => {
    const { arn, initial } = await appUser();
    // Rotation enabled without rotating: the service runs only testSecret, which finds nothing to test.
    await h.client.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: ROTATION_FUNCTION_ARN, RotateImmediately: false }));
    const token = "0a1b2c3d-0000-4000-8000-00000000beef";
    await h.store.putPending(arn, token, JSON.stringify({ ...initial, username: "postgres", password: "Attacker-chosen-1" }));
    const error = await rotate({ Step: "setSecret", SecretId: arn, ClientRequestToken: token }, { secrets: h.store, engineFor: h.engineFor, logger: { info() {}, warn() {} } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/another engine, host, port or user/);
    expect(await engine().canLogin(initial)).to.equal(true);
    expect(await engine().canLogin({ ...initial, username: "postgres", password: "Attacker-chosen-1" })).to.equal(false);
    await h.store.moveStage(arn, "AWSPENDING", { fromVersionId: token });
  });

  it("enabling rotation on a secret that has no value yet does not fail (the first apply)", async () => {
    const arn = await h.createSecret("avesa/postgres/empty");
    await h.client.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: ROTATION_FUNCTION_ARN, RotationRules: { AutomaticallyAfterDays: 90 }, RotateImmediately: false }));
    expect(h.logs.join("\n")).to.include("the secret has no AWSCURRENT value yet; nothing to test");
    expect(Object.keys(h.sm.versions(arn))).to.have.length(0);
  });
});
