/**
 * Runs every rule during synth. `applyGuardrails(app, options)` adds an aspect to each stack; the
 * aspect hooks the stack's synthesis so its Terraform JSON is judged before it is written, and a
 * violation stops synth with one line per violation: stack, construct path, rule, fix. Warnings
 * print. After the last stack, exceptions that match nothing fail synth.
 */
import { Aspects, TerraformStack, type App, type IAspect } from "cdktf";
import type { IConstruct } from "constructs";
import { EXCEPTIONS, type AcceptedRisk } from "./exceptions";
import { applyExceptions, formatViolation, isViolation, isWarning, staleExceptions, judgeStack, type Finding } from "./evaluate";
import { RULES } from "./catalogue";
import type { Rule } from "./rule";
import { StackModel, type TerraformJson } from "./support/stack-model";

export interface GuardrailsOptions {
  /** The environment being synthesized (exceptions may be limited to some). */
  readonly environment?: string;
  /** The account the stacks deploy to; defaults to each provider's allowed_account_ids. */
  readonly accountId?: string;
  /** @default EXCEPTIONS (stacks/rules/exceptions.ts) */
  readonly exceptions?: readonly AcceptedRisk[];
  /** @default RULES */
  readonly rules?: readonly Rule[];
  /** Where warnings go. @default console.warn */
  readonly warn?: (line: string) => void;
  /** When rules judge (runtime deprecation). @default now */
  readonly now?: Date;
}

export class GuardrailsError extends Error {
  constructor(
    message: string,
    readonly lines: readonly string[],
  ) {
    super(`${message}\n${lines.map((l) => `  ${l}`).join("\n")}`);
    this.name = "GuardrailsError";
  }
}

/** Judges a synthesized stack's JSON (for the aspect, check:iac and tests). */
export function judgeTerraform(stackName: string, json: TerraformJson, options: GuardrailsOptions = {}): Finding[] {
  const model = new StackModel(stackName, json, { accountId: options.accountId, now: options.now });
  return applyExceptions(judgeStack(model, options.rules ?? RULES, options.environment), options.exceptions ?? EXCEPTIONS);
}

class GuardrailsAspect implements IAspect {
  private readonly findings: Finding[] = [];
  private readonly judged = new Set<string>();
  private readonly hooked = new WeakSet<TerraformStack>();

  constructor(
    private readonly stacks: readonly TerraformStack[],
    private readonly options: GuardrailsOptions,
  ) {}

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node) || this.hooked.has(node)) return;
    this.hooked.add(node);
    // Judge exactly the JSON cdktf is about to write: wrap this stack's toTerraform, which the
    // synthesizer calls once, after every aspect and validation and before writing the file.
    // Judging here in visit() instead would resolve the stack twice and miss changes that aspects
    // running after this one make to the stack's children.
    const toTerraform = node.toTerraform.bind(node);
    node.toTerraform = () => {
      const json = toTerraform();
      this.judge(node, json as TerraformJson);
      return json;
    };
  }

  private judge(stack: TerraformStack, json: TerraformJson): void {
    if (this.judged.has(stack.node.path)) return;
    this.judged.add(stack.node.path);
    const findings = judgeTerraform(stack.node.id, json, this.options);
    this.findings.push(...findings);
    const warn = this.options.warn ?? ((line: string) => console.warn(line));
    for (const f of findings.filter(isWarning)) warn(`guardrails warning: ${formatViolation(f)}`);
    const violations = findings.filter(isViolation);
    if (violations.length) {
      throw new GuardrailsError(
        `synth stopped: ${violations.length} guardrail violation${violations.length === 1 ? "" : "s"} in ${stack.node.id} (fix them, or add a reasoned exception in stacks/rules/exceptions.ts)`,
        violations.map(formatViolation),
      );
    }
    if (this.stacks.every((s) => this.judged.has(s.node.path))) {
      const stale = staleExceptions(this.options.exceptions ?? EXCEPTIONS, this.findings, this.options.environment, this.options.rules ?? RULES);
      if (stale.length) {
        throw new GuardrailsError(
          "synth stopped: stale guardrail exceptions in stacks/rules/exceptions.ts",
          stale.map((x) => `${x.exception.rule} ${x.exception.resource}: ${x.problem}`),
        );
      }
    }
  }
}

/** Adds the guardrails to every stack of the app; call after the stacks are built, before app.synth(). */
export function applyGuardrails(app: App, options: GuardrailsOptions = {}): void {
  const stacks = app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
  const aspect = new GuardrailsAspect(stacks, options);
  for (const stack of stacks) Aspects.of(stack).add(aspect);
}
