/**
 * The Aurora writer on a local PostgreSQL 15 (throw-away cluster, TLS, the writer's real pool and
 * transaction code, the IAM signer replaced by the local password): rows per second for single-row
 * events and for 100-row events, p50/p99 of one event, and connections opened per 1,000 events.
 * Prints figures beside their floors; asserts nothing.
 *   npm run bench:writer [-- events=2000]
 */
import { createWriter } from "../functions/aurora-writer/writer";
import { countingSigner, localWriterPool, silentLogger, startMigratedDatabase } from "../test/functions/aurora-writer/fixtures";

/** Below these the writer, not the database, is the bottleneck worth looking at. */
const FLOORS = { singleRowsPerSecond: 300, batchedRowsPerSecond: 5000, singleP99Ms: 25, connectionsPer1000Events: 1 };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

let nextId = 0;
const row = () => {
  nextId += 1;
  return { event_id: `20000000-0000-4000-8000-${String(nextId).padStart(12, "0")}`, source: "bench", payload: { n: nextId, tags: ["a", "b"] }, occurred_at: "2026-11-30T12:00:00Z" };
};

async function main(): Promise<void> {
  const events = Number(process.argv[2]?.replace(/^events=/, "") ?? 2000);
  const m = await startMigratedDatabase("bench");
  const signer = countingSigner(m.writerPassword);
  const pool = localWriterPool(m, signer.sign);
  const write = createWriter({ pool, logger: silentLogger });
  try {
    const run = async (label: string, count: number, rowsPerEvent: number) => {
      for (let i = 0; i < 50; i++) await write({ table: "foo.events", operation: "insert", rows: Array.from({ length: rowsPerEvent }, row) });
      const times: number[] = [];
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < count; i++) {
        const e0 = process.hrtime.bigint();
        const result = await write({ table: "foo.events", operation: "insert", rows: Array.from({ length: rowsPerEvent }, row) });
        times.push(Number(process.hrtime.bigint() - e0) / 1e6);
        if (!result.ok) throw new Error(`${label}: ${result.error.code} ${result.error.message}`);
      }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      times.sort((a, b) => a - b);
      return { rowsPerSecond: (count * rowsPerEvent) / seconds, p50: percentile(times, 50), p99: percentile(times, 99) };
    };

    console.log(`Node ${process.version}; PostgreSQL 15 on loopback with TLS; ${events} single-row events, ${Math.ceil(events / 10)} events of 100 rows.`);
    const single = await run("single", events, 1);
    const batched = await run("batched", Math.ceil(events / 10), 100);
    // Every connection the pool opens signs one token: the signer's calls count them, warm-up included.
    const total = events + Math.ceil(events / 10) + 100;
    const opened = signer.calls();
    const line = (label: string, value: string, floor: string) => console.log(`${label.padEnd(44)} ${value.padStart(12)}   floor ${floor}`);
    line("rows/s, single-row events", single.rowsPerSecond.toFixed(0), `>= ${FLOORS.singleRowsPerSecond}`);
    line("rows/s, 100-row events", batched.rowsPerSecond.toFixed(0), `>= ${FLOORS.batchedRowsPerSecond}`);
    line("one single-row event, p50 / p99 (ms)", `${single.p50.toFixed(2)} / ${single.p99.toFixed(2)}`, `p99 <= ${FLOORS.singleP99Ms}`);
    line("one 100-row event, p50 / p99 (ms)", `${batched.p50.toFixed(2)} / ${batched.p99.toFixed(2)}`, "-");
    line(`connections opened for ${total} events`, `${opened} (${((opened * 1000) / total).toFixed(2)}/1,000)`, `<= ${FLOORS.connectionsPer1000Events} per 1,000 (one per container)`);
  } finally {
    await pool.end();
    await m.pg.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(`bench:writer failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
