/**
 * Bench: rotation on the local PostgreSQL 15 through the Secrets Manager stand-in (real SDK client).
 * - wall time per rotation (single user, alternating users) beside its floor: the rotation's own
 *   Secrets Manager calls and database logins made one after another at their measured median cost;
 * - failed client operations during 20 rotations under a query loop through the credential manager (target 0);
 * - credential-manager cached read p50/p99.
 * Prints figures; asserts nothing.
 *
 *   npm run bench:rotation
 */
import { performance } from "node:perf_hooks";
import { Client } from "pg";
import { CredentialManager } from "../functions/shared/credentials/credential-manager";
import { postgresEngine } from "../functions/shared/credentials/engines/postgres";
import type { DatabaseSecretInput, PostgresSecret } from "../functions/shared/contracts/database-secret";
import { startPostgres } from "../test/support/postgres";
import { queryLoop } from "../test/support/query-loop";
import { startRotationHarness } from "../test/support/rotation-harness";

const ROTATIONS = 10;
const LOOP_ROTATIONS = 20;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main(): Promise<void> {
  const pg = await startPostgres();
  const h = await startRotationHarness({ engines: { postgres: { ca: pg.caCert } } });
  try {
    const admin = new Client({ connectionString: pg.url, ssl: { ca: pg.caCert } });
    await admin.connect();
    await admin.query("CREATE TABLE public.zd_events (id serial primary key, body text)");
    for (const user of ["bench_single", "bench_alt", "bench_loop"]) {
      await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD 'Initial-Password-1'`);
      await admin.query(`GRANT INSERT ON public.zd_events TO ${user}`);
      await admin.query(`GRANT USAGE ON SEQUENCE public.zd_events_id_seq TO ${user}`);
    }
    await admin.end();
    const base = { engine: "postgres" as const, host: pg.host, port: pg.port, password: "Initial-Password-1", requiredPrivileges: ["INSERT:public.zd_events"] };
    const masterarn = await h.createSecret("avesa/master/bench", { engine: "postgres", host: pg.host, port: pg.port, username: pg.user, password: pg.password });

    // Floor inputs: one Secrets Manager call, one database login (TLS + SCRAM), medians of 30.
    const engine = postgresEngine({ ca: pg.caCert });
    const login: PostgresSecret = { ...base, username: "bench_loop", dbname: "postgres", ssl: true, strategy: "single-user" };
    const smCall: number[] = [];
    const dbLogin: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      if (i === 10) smCall.splice(0) && dbLogin.splice(0); // the first ten warm up
      let t = performance.now();
      await h.store.describe(masterarn);
      smCall.push(performance.now() - t);
      t = performance.now();
      await engine.canLogin(login);
      dbLogin.push(performance.now() - t);
    }
    const smMedian = percentile(smCall, 50);
    const dbMedian = percentile(dbLogin, 50);

    console.log(`Rotation on local PostgreSQL 15 (${ROTATIONS} rotations each; Secrets Manager call p50 ${ms(smMedian)}, database login p50 ${ms(dbMedian)})`);
    for (const [strategy, username] of [["single-user", "bench_single"], ["alternating-users", "bench_alt"]] as const) {
      const arn = await h.createSecret(`avesa/postgres/bench-${strategy}`, { ...base, username, strategy, masterarn: strategy === "alternating-users" ? masterarn : undefined } as DatabaseSecretInput);
      const times: number[] = [];
      let smCalls = 0;
      for (let i = 0; i < ROTATIONS; i += 1) {
        const callsBefore = h.sm.calls.length;
        const t = performance.now();
        await h.rotate(arn);
        times.push(performance.now() - t);
        smCalls += h.sm.calls.length - callsBefore;
      }
      // Logins per rotation: setSecret probes pending and current then connects to alter; testSecret logs in once.
      const logins = strategy === "single-user" ? 4 : 3;
      const floor = (smCalls / ROTATIONS) * smMedian + logins * dbMedian;
      console.log(
        `  ${strategy.padEnd(18)} p50 ${ms(percentile(times, 50))}  p95 ${ms(percentile(times, 95))}   floor ${ms(floor)} (${(smCalls / ROTATIONS).toFixed(0)} Secrets Manager calls + ${logins} logins, sequential)   ok ${h.sm.rotations.filter((r) => r.secretArn === arn && r.ok).length}/${ROTATIONS}`,
      );
    }

    const loopArn = await h.createSecret("avesa/postgres/bench-loop", { ...base, username: "bench_loop" });
    const manager = new CredentialManager({ secrets: h.store, ttlMs: 60_000 });
    let done = false;
    const loop = queryLoop(manager, "bench-loop", pg.caCert, () => done);
    for (let i = 0; i < LOOP_ROTATIONS; i += 1) await h.rotate(loopArn);
    done = true;
    const { ops, failures } = await loop;
    console.log(`Client loop during ${LOOP_ROTATIONS} single-user rotations: ${ops} operations, ${failures.length} failed (target 0)`);
    for (const f of failures) console.log(`  failed: ${f}`);

    const reads: number[] = [];
    await manager.getCredentials("postgres", "bench-loop");
    for (let i = 0; i < 100_000; i += 1) {
      const t = performance.now();
      await manager.getCredentials("postgres", "bench-loop");
      reads.push(performance.now() - t);
    }
    console.log(`Credential manager cached read: p50 ${(percentile(reads, 50) * 1000).toFixed(1)} µs  p99 ${(percentile(reads, 99) * 1000).toFixed(1)} µs (floor: one Map lookup and a resolved promise, ~1 µs)`);
  } finally {
    await h.stop();
    await pg.stop();
  }
}

void main();
