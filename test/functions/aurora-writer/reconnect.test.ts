import { expect } from "chai";
import type { Pool } from "pg";
import { createWriter } from "../../../functions/aurora-writer/writer";
import { silentLogger } from "./fixtures";

/** A pool whose clients are scripted: each answers queries from its own list (an Error is thrown). */
function scriptedPool(scripts: (Error | { rows: unknown[]; rowCount: number })[][]) {
  const released: (Error | undefined)[] = [];
  const sent: string[][] = [];
  const pool = {
    connect: async () => {
      const script = scripts.shift();
      if (!script) throw new Error("no more connections");
      const log: string[] = [];
      sent.push(log);
      return {
        query: async (text: string) => {
          log.push(text.split(" ")[0]!);
          const answer = script.shift() ?? { rows: [], rowCount: 0 };
          if (answer instanceof Error) throw answer;
          return answer;
        },
        release: (error?: Error) => void released.push(error),
      };
    },
  } as unknown as Pool;
  return { pool, released, sent };
}

const ok = { rows: [], rowCount: 0 };
const EVENT = { table: "bar.metrics", operation: "insert", rows: [{ name: "n", value: 1 }] };

describe("aurora writer: a connection that died while idle", () => {
  it("is destroyed at BEGIN and replaced by one new connection; the event is written once", async () => {
    const { pool, released, sent } = scriptedPool([[new Error("Connection terminated unexpectedly")], [ok, { rows: [{ id: "7" }], rowCount: 1 }, ok]]);
    const result = await createWriter({ pool, logger: silentLogger })(EVENT);
    expect(result).to.deep.equal({ ok: true, table: "bar.metrics", operation: "insert", rowCount: 1, keys: [{ id: "7" }] });
    expect(sent).to.deep.equal([["BEGIN"], ["BEGIN", "INSERT", "COMMIT"]]);
    expect(released[0]).to.be.instanceOf(Error);
    expect(released[1]).to.equal(undefined);
  });

  it("is retried only once: a second dead connection is DatabaseUnavailable, retryable", async () => {
    const dead = () => new Error("Connection terminated unexpectedly");
    const { pool, sent } = scriptedPool([[dead()], [dead()], [ok]]);
    const result = await createWriter({ pool, logger: silentLogger })(EVENT);
    expect(result).to.deep.equal({
      ok: false,
      error: { code: "DatabaseUnavailable", message: "The database connection failed (Connection terminated unexpectedly); nothing of this event was written, retry it.", retryable: true },
    });
    expect(sent).to.have.length(2);
  });

  it("is not retried after the event's statements were sent: a lost COMMIT is reported as an unknown outcome", async () => {
    const { pool, sent, released } = scriptedPool([[ok, { rows: [{ id: "1" }], rowCount: 1 }, new Error("Connection terminated unexpectedly")], [ok]]);
    const result = await createWriter({ pool, logger: silentLogger })(EVENT);
    expect(!result.ok && result.error).to.deep.include({ code: "DatabaseUnavailable", retryable: true });
    expect(!result.ok && result.error.message).to.match(/^The connection failed during COMMIT \(Connection terminated unexpectedly\): the event may or may not have been written/);
    expect(sent).to.deep.equal([["BEGIN", "INSERT", "COMMIT"]]);
    expect(released[0]).to.be.instanceOf(Error);
  });
});
