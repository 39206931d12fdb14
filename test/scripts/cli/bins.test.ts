/**
 * Every package.json bin works the way a user starts it (`npx <bin> --help` from the repository),
 * through its shim in scripts/cli/bin/: a CLI whose entry guard misses the shim prints nothing.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";

const ROOT = resolve(__dirname, "..", "..", "..");
const bins = Object.keys((require("../../../package.json") as { bin: Record<string, string> }).bin);

describe("package.json bins", function () {
  this.timeout(120_000);

  it("each prints its usage through npx and exits 0", async () => {
    expect(bins.length).to.be.greaterThan(0);
    const run = promisify(execFile);
    const results = await Promise.all(
      bins.map(async (bin) => {
        const { stdout } = await run("npx", ["--no-install", bin, "--help"], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
        return { bin, usage: stdout.split("\n")[0] };
      }),
    );
    for (const { bin, usage } of results) expect(usage, bin).to.match(new RegExp(`^Usage: ${bin} `));
  });
});
