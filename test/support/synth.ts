/** Synthesis helpers for stack and construct tests (cdktf's Testing, with chai-friendly lookups). */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { loadConfig, type AppConfig } from "../../stacks/config";
import { SecureKmsKey } from "../../stacks/constructs/kms-key";
import { NodeFunction } from "../../stacks/constructs/node-function";

export type Resource = Record<string, any>;
export interface Synthesized {
  readonly resource: Record<string, Record<string, Resource>>;
  readonly output?: Record<string, { value: string }>;
  readonly terraform?: Record<string, any>;
  readonly provider?: Record<string, any>;
}

/** Synthesises a stack and returns its Terraform JSON. */
export function synth(stack: TerraformStack): Synthesized {
  return JSON.parse(Testing.synth(stack)) as Synthesized;
}

/** Synthesises whatever `build` adds to a fresh stack. */
export function synthScope(build: (scope: Construct) => void): Synthesized {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  build(stack);
  return synth(stack);
}

/** All resources of one Terraform type, as an array. */
export function resources(out: Synthesized, type: string): Resource[] {
  return Object.values(out.resource?.[type] ?? {});
}

/** The single resource of a type; fails when there is not exactly one. */
export function only(out: Synthesized, type: string): Resource {
  const found = resources(out, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** The statements of a JSON policy attribute (cdktf keeps policies as JSON strings). */
export function statements(policy: string): Resource[] {
  const parsed = JSON.parse(policy) as { Statement: Resource[] };
  return parsed.Statement;
}

/** A folder with a small zip per function name, for construct tests that do not need real bundles. */
export function fakeBundleDir(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "bundles-"));
  for (const name of names) writeFileSync(join(dir, `${name}.zip`), `fake zip of ${name}`);
  return dir;
}

/** A key and a function from a fake zip, for construct tests that need something to point at. */
export function fakeFunction(scope: Construct, entry: string): { fn: NodeFunction; kmsKey: SecureKmsKey } {
  const kmsKey = new SecureKmsKey(scope, "key", { description: "d", alias: "a", accountId: "111111111111", region: "eu-west-1" });
  const fn = new NodeFunction(scope, "fn", {
    entry,
    functionName: entry,
    description: "d",
    accountId: "111111111111",
    region: "eu-west-1",
    kmsKey,
    logRetentionDays: 7,
    bundleDir: fakeBundleDir(entry),
  });
  return { fn, kmsKey };
}

export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return { ...loadConfig({ environment: "dev", offline: false }), ...overrides };
}
