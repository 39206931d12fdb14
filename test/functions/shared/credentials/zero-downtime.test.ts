import { expect } from "chai";
import { Client } from "pg";
import { CredentialManager } from "../../../../functions/shared/credentials/credential-manager";
import { queryLoop } from "../../../support/query-loop";
import { startPostgres, type PostgresCluster } from "../../../support/postgres";
import { startRotationHarness, type Harness } from "../../../support/rotation-harness";

describe("zero-downtime rotation: a client loop through the credential manager on real PostgreSQL", function () {
  this.timeout(120_000);
  let pg: PostgresCluster;
  let h: Harness;

  before(async () => {
    pg = await startPostgres();
    h = await startRotationHarness({ engines: { postgres: { ca: pg.caCert } } });
    const admin = new Client({ connectionString: pg.url, ssl: { ca: pg.caCert } });
    await admin.connect();
    await admin.query("CREATE TABLE public.zd_events (id serial primary key, body text)");
    for (const user of ["zd_single", "zd_alt"]) {
      await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD 'Initial-Password-1'`);
      await admin.query(`GRANT INSERT ON public.zd_events TO ${user}`);
      await admin.query(`GRANT USAGE ON SEQUENCE public.zd_events_id_seq TO ${user}`);
    }
    await admin.end();
  });
  after(async () => {
    await h?.stop();
    await pg?.stop();
  });

  for (const strategy of ["single-user", "alternating-users"] as const) {
    it(`${strategy}: no failed operation during five rotations`, async () => {
      const env = strategy === "single-user" ? "zd1" : "zd2";
      const masterarn = strategy === "alternating-users" ? await h.createSecret(`avesa/master/${env}`, { engine: "postgres", host: pg.host, port: pg.port, username: pg.user, password: pg.password }) : undefined;
      const arn = await h.createSecret(`avesa/postgres/${env}`, {
        engine: "postgres",
        host: pg.host,
        port: pg.port,
        username: strategy === "single-user" ? "zd_single" : "zd_alt",
        password: "Initial-Password-1",
        strategy,
        masterarn,
        requiredPrivileges: ["INSERT:public.zd_events"],
      });
      // A long TTL: clients hold stale credentials across rotations and must recover by refreshing.
      const manager = new CredentialManager({ secrets: h.store, ttlMs: 60_000 });
      let done = false;
      let completed = 0;
      const loop = queryLoop(manager, env, pg.caCert, () => done, undefined, (ops) => (completed = ops));
      // Each rotation starts only after the client has finished two more operations, so every
      // rotation overlaps client traffic however slow the machine is.
      for (let i = 0; i < 5; i += 1) {
        const target = completed + 2;
        while (completed < target) await new Promise((resolve) => setTimeout(resolve, 5));
        await h.rotate(arn);
      }
      done = true;
      const { ops, failures } = await loop;
      expect(h.sm.rotations.filter((r) => r.secretArn === arn && r.ok)).to.have.length(5);
      expect(ops).to.be.greaterThan(10);
      expect(failures).to.deep.equal([]);
    });
  }
});
