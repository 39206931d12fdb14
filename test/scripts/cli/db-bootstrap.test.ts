import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { run } from "../../../scripts/cli/db-bootstrap/program";
import { startPostgres, type PostgresCluster } from "../../support/postgres";
import { createTestDatabase, type TestDatabase } from "../../functions/shared/aurora-iam/database";

describe("db-bootstrap CLI against a PostgreSQL URL", function () {
  this.timeout(30000);
  let pg: PostgresCluster;
  let db: TestDatabase;
  let caFile: string;
  let out: string[];
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    out = [];
    return run(args, { stdout: (t) => void out.push(t), stderr: (t) => void out.push(`ERR ${t}`), env });
  };

  before(async () => {
    pg = await startPostgres();
    db = await createTestDatabase(pg, "platform");
    caFile = join(mkdtempSync(join(tmpdir(), "ca-")), "ca.pem");
    writeFileSync(caFile, pg.caCert);
  });
  after(async () => pg?.stop());

  it("migrates a fresh database, sets lambda_writer's password from an env var, and is safe to run again", async () => {
    expect(await cli(["migrate", "--url", db.masterUrl, "--ca-file", caFile, "--writer-password-env", "WRITER_PW"], { WRITER_PW: "cli-writer-Pw1" })).to.equal(0);
    expect(out.join("")).to.equal(
      [
        "applying 0001-roles-and-database",
        "applying 0002-writer-schemas",
        "applying 0003-writer-tables",
        "Applied 0001-roles-and-database, 0002-writer-schemas, 0003-writer-tables.",
        "lambda_writer may read the key columns of: bar.metrics, foo.events.",
        "Set a new lambda_writer password.",
        "",
      ].join("\n"),
    );
    const writer = await db.connect("lambda_writer", "cli-writer-Pw1");
    await writer.end();
    expect(await cli(["migrate", "--url", db.masterUrl, "--ca-file", caFile])).to.equal(0);
    expect(out[0]).to.equal("Nothing to apply: all 3 migrations were already applied.\n");
  });

  it("shows each migration's state and whether the writer's privileges are as designed", async () => {
    expect(await cli(["status", "--url", db.masterUrl, "--ca-file", caFile])).to.equal(0);
    const lines = out.join("").trim().split("\n");
    expect(lines.slice(0, 3).map((l) => l.replace(/applied \S+/, "applied <time>"))).to.deep.equal([
      "0001-roles-and-database  applied <time>",
      "0002-writer-schemas  applied <time>",
      "0003-writer-tables  applied <time>",
    ]);
    expect(lines[3]).to.equal("lambda_writer's privileges are as designed.");
  });

  it("answers a wrong command line with exit code 2 and one sentence", async () => {
    expect(await cli(["migrate", "--url", "mysql://x@y/z"])).to.equal(2);
    expect(out).to.deep.equal(["ERR db-bootstrap: --url must be a postgresql:// URL, not mysql://. (ValidationError)\n"]);
    expect(await cli(["migrate", "--url", `${db.masterUrl}?sslmode=disable`])).to.equal(2);
    expect(out[0]).to.match(/Remove sslmode from --url: TLS is always on and verified/);
    expect(await cli(["migrate", "--url", db.masterUrl, "--writer-password-env", "NOPE"])).to.equal(2);
    expect(out[0]).to.match(/--writer-password-env NOPE: that environment variable is empty or not set/);
    expect(await cli(["migrate"])).to.equal(2);
    expect(out.join("")).to.match(/required option '--url <url>' not specified/);
  });

  it("verifies the server's certificate and answers a refused connection with exit code 1", async () => {
    expect(await cli(["status", "--url", db.masterUrl])).to.equal(1);
    expect(out[0]).to.match(/^ERR db-bootstrap: Cannot connect to 127\.0\.0\.1:\d+\/platform: .*certificate.*\(ConnectionFailed\)\n$/);
  });

  it("is a package bin with --help", () => {
    const bin = resolve(__dirname, "../../../scripts/cli/bin/db-bootstrap.cjs");
    const help = execFileSync(bin, ["migrate", "--help"], { encoding: "utf8" });
    expect(help).to.match(/Usage: db-bootstrap migrate \[options\]/);
    expect(help).to.match(/--writer-password-env <name>/);
  });
});
