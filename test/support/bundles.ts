/** Stack tests synthesise real function zips: build them once if `npm run bundle` has not. */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { BUNDLE_DIR } from "../../stacks/constructs/node-function";
import { budgetFailures, bundleFunctions, functionNames } from "../../scripts/bundle";

const ROOT = resolve(__dirname, "..", "..");

export async function ensureBundles(): Promise<void> {
  if (functionNames(ROOT).every((name) => existsSync(join(BUNDLE_DIR, `${name}.zip`)))) return;
  const failures = budgetFailures(await bundleFunctions({ root: ROOT, outDir: BUNDLE_DIR }));
  if (failures.length > 0) throw new Error(failures.join(" "));
}
