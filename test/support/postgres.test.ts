import { expect } from "chai";
import { Client } from "pg";
import { startPostgres, type PostgresCluster } from "./postgres";

describe("test support: throw-away PostgreSQL cluster", function () {
  this.timeout(60_000);
  let pg: PostgresCluster;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => pg?.stop());

  it("accepts TLS connections verified against its CA and rejects plain TCP", async () => {
    const client = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database, ssl: { ca: pg.caCert, servername: "localhost" } });
    await client.connect();
    const { rows } = await client.query("select current_setting('server_version_num')::int as v, ssl from pg_stat_ssl where pid = pg_backend_pid()");
    await client.end();
    expect(rows[0].v).to.be.at.least(150000);
    expect(rows[0].ssl).to.equal(true);
    const plain = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database, ssl: false });
    let error: unknown;
    await plain.connect().catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/no encryption|reject/i);
  });
});
