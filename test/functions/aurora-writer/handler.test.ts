import { expect } from "chai";
import type { WriteResult } from "../../../functions/shared/contracts/aurora-writer";
import { startPostgres, type PostgresCluster } from "../../support/postgres";

/**
 * The real handler module, with its real IAM signer, against the local cluster. Its certificate is
 * signed by a test CA that Node's default trust store does not hold: the writer must refuse it, as it
 * would any certificate that does not chain to a public CA like RDS Proxy's.
 */
describe("aurora writer handler (real module, real signer)", function () {
  this.timeout(30000);
  let pg: PostgresCluster;
  let handler: (event: unknown) => Promise<WriteResult>;
  const saved = { ...process.env };

  before(async () => {
    pg = await startPostgres();
    Object.assign(process.env, {
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      DB_PROXY_ENDPOINT: "localhost",
      DB_PORT: String(pg.port),
      DB_NAME: "postgres",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module reads its env at load
    ({ handler } = require("../../../functions/aurora-writer/handler") as typeof import("../../../functions/aurora-writer/handler"));
  });

  after(async () => {
    process.env = saved;
    await pg?.stop();
  });

  it("answers an invalid event with InvalidEvent, never a stack trace", async () => {
    expect(await handler({ table: "foo.events", operation: "drop", rows: [] })).to.deep.equal({
      ok: false,
      error: { code: "InvalidEvent", message: "Invalid write event (operation: one of insert, upsert, update, delete; rows: at least one row).", retryable: false },
    });
  });

  it("verifies the server certificate against Node's default CAs only", async () => {
    const result = await handler({ table: "foo.events", operation: "delete", rows: [{ event_id: "00000000-0000-4000-8000-000000000001" }] });
    expect(!result.ok && result.error.code).to.equal("TlsVerificationFailed");
    expect(!result.ok && result.error.message).to.match(/certificate/);
  });
});
