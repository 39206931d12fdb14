import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");
const TSX = require.resolve("tsx/cli");

/** Everything Terraform would compare to decide whether a function's code changed. */
function functionCode(outdir: string): Record<string, { hash: string; filename: string }> {
  const tf = JSON.parse(readFileSync(join(outdir, "stacks", "cspm-dev", "cdk.tf.json"), "utf8"));
  const fns = tf.resource.aws_lambda_function as Record<string, { source_code_hash: string; filename: string }>;
  return Object.fromEntries(Object.entries(fns).map(([id, f]) => [id, { hash: f.source_code_hash, filename: f.filename }]));
}

function bundle(timeZone: string): void {
  execFileSync(process.execPath, [TSX, "scripts/bundle.ts", "--force"], { cwd: ROOT, env: { ...process.env, TZ: timeZone }, stdio: "pipe" });
}

/** Synthesises into a temporary folder and returns the function code Terraform would see. */
function synthFunctionCode(): ReturnType<typeof functionCode> {
  const outdir = mkdtempSync(join(tmpdir(), "synth-"));
  try {
    execFileSync(process.execPath, [TSX, "main.ts"], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: outdir, PLATFORM_ENV: "dev" }, stdio: "pipe" });
    return functionCode(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("re-bundling (reproducible plans)", () => {
  it("a forced re-bundle in another time zone leaves every function's code hash unchanged, so a plan shows no code change", function () {
    this.timeout(120000);
    bundle("UTC");
    const before = synthFunctionCode();
    bundle("Pacific/Auckland");
    const after = synthFunctionCode();
    expect(Object.keys(before)).to.have.length.greaterThan(1);
    expect(after).to.deep.equal(before);
  });
});
