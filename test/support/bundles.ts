/** Stack tests synthesise real function zips: build them once if `npm run bundle` has not. */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { BUNDLE_DIR } from "../../stacks/constructs/node-function";

const ROOT = resolve(__dirname, "..", "..");

export function ensureBundles(): void {
  const names = readdirSync(join(ROOT, "functions")).filter((n) => n !== "shared" && existsSync(join(ROOT, "functions", n, "handler.ts")));
  if (names.every((n) => existsSync(join(BUNDLE_DIR, `${n}.zip`)))) return;
  execFileSync(process.execPath, [require.resolve("tsx/cli"), join(ROOT, "scripts", "bundle.ts")], { cwd: ROOT, stdio: "pipe" });
}
