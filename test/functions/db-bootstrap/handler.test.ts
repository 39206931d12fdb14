import { expect } from "chai";
import { startPostgres, type PostgresCluster } from "../../support/postgres";
import { createTestDatabase } from "../shared/aurora-iam/database";
import { loadBootstrapHandler } from "./stand-in";

/** The real handler module: failures are one-line function errors (Terraform shows them as they are). */
describe("db-bootstrap handler (real module)", function () {
  this.timeout(30000);
  let pg: PostgresCluster;
  let loaded: Awaited<ReturnType<typeof loadBootstrapHandler>>;

  before(async () => {
    pg = await startPostgres();
    loaded = await loadBootstrapHandler(pg, await createTestDatabase(pg, "platform"));
  });
  after(async () => {
    loaded?.restore();
    await pg?.stop();
  });

  const failure = async (event: unknown) => {
    try {
      await loaded.handler(event);
    } catch (error) {
      return error as Error;
    }
    throw new Error("the handler did not fail");
  };

  it("migrates over TLS verified against its CA bundle and stores the writer's first password", async () => {
    expect(await loaded.handler({})).to.deep.include({ alreadyApplied: 0, writerPassword: "set" });
    expect(await loaded.handler(undefined)).to.deep.equal({ applied: [], alreadyApplied: 3, keyColumnGrants: ["bar.metrics", "foo.events"], writerPassword: "kept" });
    expect(loaded.stored).to.have.length(1);
  });

  it("refuses an unknown event field by name, as a one-line error", async () => {
    const error = await failure({ reset: true });
    expect(error.name).to.equal("InvalidEvent");
    expect(error.message).to.equal('Invalid bootstrap event: event: Unrecognized key: "reset".');
    expect(error.stack).to.equal(`InvalidEvent: ${error.message}`);
  });
});
