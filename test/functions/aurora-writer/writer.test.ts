import { expect } from "chai";
import type { Client, Pool } from "pg";
import type { WriteResult } from "../../../functions/shared/contracts/aurora-writer";
import { createWriter } from "../../../functions/aurora-writer/writer";
import { countingSigner, localWriterPool, silentLogger, startMigratedDatabase, type MigratedDatabase } from "./fixtures";

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const event = (n: number, extra: Record<string, unknown> = {}) => ({ event_id: id(n), source: "test", payload: { n }, occurred_at: "2026-11-30T10:00:00Z", ...extra });

describe("aurora writer against PostgreSQL 15 (only the token signer substituted)", function () {
  this.timeout(30000);
  let m: MigratedDatabase;
  let superuser: Client;
  let pool: Pool;
  let signer: ReturnType<typeof countingSigner>;
  let write: (event: unknown) => Promise<WriteResult>;

  before(async () => {
    m = await startMigratedDatabase();
    superuser = await m.db.superuser();
    signer = countingSigner(m.writerPassword);
    pool = localWriterPool(m, signer.sign);
    write = createWriter({ pool, logger: silentLogger });
  });

  after(async () => {
    await pool?.end().catch(() => undefined);
    await superuser?.end().catch(() => undefined);
    await m?.pg.stop();
  });

  const eventsIn = async (...ns: number[]) =>
    (await superuser.query("SELECT event_id, source, payload FROM foo.events WHERE event_id = ANY($1::uuid[]) ORDER BY event_id", [ns.map(id)])).rows;

  it("writes a batch in one statement and answers with the keys", async () => {
    const result = await write({ table: "foo.events", operation: "insert", rows: [event(1), event(2), event(3)] });
    expect(result).to.deep.equal({ ok: true, table: "foo.events", operation: "insert", rowCount: 3, keys: [{ event_id: id(1) }, { event_id: id(2) }, { event_id: id(3) }] });
    expect(await eventsIn(1, 2, 3)).to.deep.equal([1, 2, 3].map((n) => ({ event_id: id(n), source: "test", payload: { n } })));
  });

  it("lets the database assign identity keys and returns them", async () => {
    const result = await write({ table: "bar.metrics", operation: "insert", rows: [{ name: "a", value: 1.5 }, { name: "b", value: 2 }] });
    expect(result.ok && result.keys.map((k) => Number(k.id))).to.deep.equal([1, 2]);
    const { rows } = await superuser.query("SELECT id::int, name, value FROM bar.metrics ORDER BY id");
    expect(rows).to.deep.equal([{ id: 1, name: "a", value: 1.5 }, { id: 2, name: "b", value: 2 }]);
  });

  it("upserts, updates and deletes by key", async () => {
    const upsert = await write({ table: "foo.events", operation: "upsert", rows: [event(1, { source: "again" }), event(4)] });
    expect(upsert).to.include({ ok: true, rowCount: 2 });
    const update = await write({ table: "foo.events", operation: "update", rows: [{ event_id: id(2), payload: { n: 22 } }, { event_id: id(99), source: "none" }] });
    expect(update).to.deep.include({ ok: true, rowCount: 1, keys: [{ event_id: id(2) }] });
    const del = await write({ table: "foo.events", operation: "delete", rows: [{ event_id: id(3) }] });
    expect(del).to.include({ ok: true, rowCount: 1 });
    expect(await eventsIn(1, 2, 3, 4)).to.deep.equal([
      { event_id: id(1), source: "again", payload: { n: 1 } },
      { event_id: id(2), source: "test", payload: { n: 22 } },
      { event_id: id(4), source: "test", payload: { n: 4 } },
    ]);
  });

  it("writes nothing of an event whose last row the database refuses", async () => {
    const result = await write({ table: "foo.events", operation: "insert", rows: [event(10), event(11), event(1)] });
    expect(result.ok).to.equal(false);
    expect(!result.ok && result.error).to.deep.include({ code: "ConstraintViolation", retryable: false });
    expect(!result.ok && result.error.message).to.match(/duplicate key value.*constraint events_pkey.*nothing of this event was written/);
    expect(await eventsIn(10, 11)).to.deep.equal([]);
  });

  it("answers a bad event with the field at fault and sends nothing to the database", async () => {
    const calls = signer.calls();
    const result = await write({ table: "foo.events", operation: "insert", rows: [event(20), { ...event(21), event_id: "not-a-uuid" }] });
    expect(result).to.deep.equal({ ok: false, error: { code: "InvalidEvent", message: "Invalid write event (rows.1.event_id: Invalid UUID).", retryable: false } });
    expect(await eventsIn(20)).to.deep.equal([]);
    expect(signer.calls()).to.equal(calls);
  });

  it("refuses tables and operations outside the allow-list, and extra columns", async () => {
    const answers = await Promise.all([
      write({ table: "public.users", operation: "insert", rows: [{}] }),
      write({ table: "bar.metrics", operation: "upsert", rows: [{ id: 1, name: "x", value: 1 }] }),
      write({ table: "foo.events", operation: "insert", rows: [{ ...event(30), "payload = NULL --": 1 }] }),
      write({ table: "foo.events", operation: "update", rows: [{ event_id: id(1) }] }),
      write({ table: "foo.events", operation: "delete", rows: [{ event_id: id(1) }, { event_id: id(1) }] }),
    ]);
    expect(answers.map((a) => !a.ok && a.error.message)).to.deep.equal([
      'Invalid write event (table: one of foo.events, bar.metrics).',
      "Invalid write event (operation: bar.metrics allows insert, update, delete).",
      'Invalid write event (rows.0: Unrecognized key: "payload = NULL --").',
      "Invalid write event (rows.0: an update must set at least one column besides event_id).",
      "Invalid write event (rows.1: duplicate event_id in one event).",
    ]);
  });

  it("keeps one connection for many events, and replaces a dropped one with a new token", async () => {
    const before = signer.calls();
    for (let n = 40; n < 45; n += 1) expect(await write({ table: "foo.events", operation: "insert", rows: [event(n)] })).to.include({ ok: true });
    expect(signer.calls()).to.equal(before);
    await superuser.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'lambda_writer'");
    await new Promise((r) => setTimeout(r, 50));
    expect(await write({ table: "foo.events", operation: "insert", rows: [event(45)] })).to.include({ ok: true });
    expect(signer.calls()).to.equal(before + 1);
    expect(await eventsIn(45)).to.have.length(1);
  });

  it("answers a refused token as AuthenticationFailed, naming what to check", async () => {
    const bad = countingSigner("not-the-token");
    const badPool = localWriterPool(m, bad.sign);
    try {
      const result = await createWriter({ pool: badPool, logger: silentLogger })({ table: "foo.events", operation: "insert", rows: [event(50)] });
      expect(!result.ok && result.error.code).to.equal("AuthenticationFailed");
      expect(!result.ok && result.error.message).to.match(/rds-db:connect on the proxy's prx- resource/);
    } finally {
      await badPool.end();
    }
  });

  it("answers a lock wait past lock_timeout as a retryable Timeout and writes nothing", async () => {
    await superuser.query("ALTER ROLE lambda_writer SET lock_timeout = '200ms'");
    await superuser.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'lambda_writer'");
    const holder = await m.db.superuser();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM foo.events WHERE event_id = $1 FOR UPDATE", [id(1)]);
      const result = await write({ table: "foo.events", operation: "update", rows: [{ event_id: id(60), source: "x" }, { event_id: id(1), source: "locked" }] });
      expect(!result.ok && result.error).to.deep.include({ code: "Timeout", retryable: true });
      await holder.query("ROLLBACK");
      expect((await eventsIn(1))[0].source).to.equal("again");
    } finally {
      await holder.end();
      await superuser.query("ALTER ROLE lambda_writer SET lock_timeout = '5s'");
    }
  });
});
