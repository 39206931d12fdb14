/**
 * What a guardrail rule is: a pure function of one synthesized stack (as data) that judges one
 * resource at a time, with its metadata beside it (cdk-nag and Prowler style). Rules never fetch
 * anything and never throw for a bad resource: they answer non-compliant with what to change.
 */
import type { StackModel, TfResource } from "./support/stack-model";

export type Status = "compliant" | "non-compliant" | "not-applicable";

/** `error` fails synth; `warning` is printed and reported but does not fail. */
export type Level = "error" | "warning";

export interface Verdict {
  readonly status: Status;
  /** For non-compliant: what to change. For compliant: how it complies (the alternative it accepted, if any). */
  readonly message: string;
}

export interface Rule {
  /** Kebab-case, named after what it expects: `<service>-<resource>-<expectation>`. Also the file name. */
  readonly id: string;
  /** What a compliant resource looks like, one sentence. */
  readonly expects: string;
  /** The risk when it does not. */
  readonly why: string;
  /** How to fix it in this codebase (construct or property). */
  readonly fix: string;
  readonly level: Level;
  /** Terraform resource types the rule judges; every other resource is not applicable. */
  readonly resourceTypes: readonly string[];
  check(resource: TfResource, stack: StackModel): Verdict;
}

export const compliant = (message: string): Verdict => ({ status: "compliant", message });
export const nonCompliant = (message: string): Verdict => ({ status: "non-compliant", message });
export const notApplicable = (message: string): Verdict => ({ status: "not-applicable", message });

/** Identity helper so each rule file reads as one typed object. */
export function defineRule(rule: Rule): Rule {
  if (!/^[a-z0-9]+(-[a-z0-9]+)+$/.test(rule.id)) throw new Error(`Rule id ${rule.id} must be kebab-case.`);
  return rule;
}
