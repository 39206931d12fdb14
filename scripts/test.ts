/**
 * `npm test`: type-check and bundle (in parallel), the mocha suite, then the offline
 * `terraform validate` + `plan` of every stack. Ends with one line: `N passed, N failed`.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { formatResult, planAll } from "./plan";

const ROOT = resolve(__dirname, "..");

interface Step {
  readonly code: number;
  readonly output: string;
}

/** Runs a command with its output streamed through (or buffered when `quiet`), and keeps a copy. */
function step(args: readonly string[], quiet = false): Promise<Step> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? "1" : "0", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } });
    let output = "";
    const collect = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      if (!quiet) stream.write(chunk);
    };
    child.stdout.on("data", collect(process.stdout));
    child.stderr.on("data", collect(process.stderr));
    child.on("close", (code) => done({ code: code ?? 1, output }));
  });
}

function bin(pkg: string, path: string): string {
  return require.resolve(`${pkg}/${path}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  let passed = 0;
  let failed = 0;
  const count = (ok: boolean, label: string) => {
    if (ok) passed += 1;
    else {
      failed += 1;
      console.log(`FAILED: ${label}`);
    }
  };

  console.log("== type-check and bundle");
  const [typecheck, bundle] = await Promise.all([step([bin("typescript", "bin/tsc"), "--noEmit", "-p", "."], true), step([require.resolve("tsx/cli"), "scripts/bundle.ts"], true)]);
  process.stdout.write(typecheck.output);
  process.stdout.write(bundle.output);
  count(typecheck.code === 0, "tsc --noEmit");
  count(bundle.code === 0, "bundle");
  if (bundle.code !== 0) {
    console.log(`${passed} passed, ${failed} failed (the bundle failed, so the stack tests and plans cannot run)`);
    process.exit(1);
  }

  console.log("\n== mocha");
  const mocha = await step([bin("mocha", "bin/mocha.js")]);
  const passing = Number(/(\d+) passing/.exec(mocha.output)?.[1] ?? 0);
  const failing = Number(/(\d+) failing/.exec(mocha.output)?.[1] ?? 0);
  passed += passing;
  failed += failing;
  if (mocha.code !== 0 && failing === 0) count(false, "mocha did not complete (see above)");

  console.log("\n== terraform validate + plan (offline)");
  try {
    const plans = await planAll({ onResult: (r) => console.log(formatResult(r)) });
    for (const p of plans) {
      count(p.ok, `plan ${p.stack}`);
      if (!p.ok) console.log(p.output);
    }
  } catch (error) {
    count(false, `plan: ${(error as Error).message}`);
  }

  console.log(`\n${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(0)}s)`);
  process.exit(failed === 0 ? 0 : 1);
}

void main();
