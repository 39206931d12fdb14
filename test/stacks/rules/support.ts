/** Judging fixtures built from real constructs with one rule (no exceptions). */
import { expect } from "chai";
import type { Construct } from "constructs";
import { judgeTerraform } from "../../../stacks/rules/guardrails";
import type { Finding } from "../../../stacks/rules/evaluate";
import type { Rule, Status } from "../../../stacks/rules/rule";
import type { TerraformJson } from "../../../stacks/rules/support/stack-model";
import { SecureKmsKey } from "../../../stacks/constructs/kms-key";
import { Testing, TerraformStack } from "cdktf";

export const ACCOUNT = "111111111111";
export const REGION = "eu-west-1";

/** Synthesises what `build` adds to a fresh stack (named `test`) and judges it with `rule` alone. */
export function judge(rule: Rule, build: (scope: Construct) => void, now?: Date): Finding[] {
  // toTerraform keeps the construct paths (Testing.synth strips them).
  const stack = new TerraformStack(Testing.app(), "test");
  build(stack);
  return judgeTerraform("test", stack.toTerraform() as TerraformJson, { rules: [rule], exceptions: [], accountId: ACCOUNT, ...(now ? { now } : {}) });
}

/** The one finding on the resource at construct path `test/<path>`. */
export function findingAt(findings: readonly Finding[], path: string): Finding {
  const found = findings.filter((f) => f.path === `test/${path}`);
  if (found.length !== 1) throw new Error(`expected one finding at test/${path}, got ${found.length}: ${findings.map((f) => f.path).join(", ")}`);
  return found[0]!;
}

/** Asserts the status at `path` and, optionally, that the message mentions `text`. */
export function expectStatus(findings: readonly Finding[], path: string, status: Status, text?: string | RegExp): void {
  const f = findingAt(findings, path);
  expect(f.status, `${f.rule} on ${f.path}: ${f.message}`).to.equal(status);
  if (text !== undefined) expect(f.message).to.match(typeof text === "string" ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : text);
}

export function stackKey(scope: Construct, id = "key"): SecureKmsKey {
  return new SecureKmsKey(scope, id, { description: "d", alias: id, accountId: ACCOUNT, region: REGION });
}
