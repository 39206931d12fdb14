/**
 * Runs the rules over one synthesized stack and applies the exception list. Pure: data in, findings out.
 */
import type { AcceptedRisk } from "./exceptions";
import { RULES } from "./catalogue";
import type { Level, Rule, Status } from "./rule";
import type { StackModel } from "./support/stack-model";

export interface Finding {
  readonly environment?: string;
  readonly stack: string;
  readonly rule: string;
  readonly level: Level;
  readonly type: string;
  readonly address: string;
  /** Construct path: what exceptions match and what a person searches the code for. */
  readonly path: string;
  readonly status: Status;
  readonly message: string;
  /** The accepted risk that silences this non-compliant finding. */
  readonly exception?: AcceptedRisk;
}

/** Every rule on every resource of its types. A rule that throws is reported as non-compliant, never as a pass. */
export function judgeStack(stack: StackModel, rules: readonly Rule[] = RULES, environment?: string): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const type of rule.resourceTypes) {
      for (const resource of stack.ofType(type)) {
        let verdict;
        try {
          verdict = rule.check(resource, stack);
        } catch (error) {
          verdict = { status: "non-compliant" as const, message: `the rule could not judge this resource (${(error as Error).message}); fix the resource or the rule` };
        }
        findings.push({ ...(environment ? { environment } : {}), stack: stack.stack, rule: rule.id, level: rule.level, type, address: resource.address, path: resource.path, ...verdict });
      }
    }
  }
  return findings;
}

/** A construct path glob: `*` within one path segment, `**` across segments, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export function exceptionApplies(exception: AcceptedRisk, environment: string | undefined): boolean {
  return !exception.environments || environment === undefined || (exception.environments as readonly string[]).includes(environment);
}

export function exceptionMatches(exception: AcceptedRisk, finding: Pick<Finding, "rule" | "path" | "environment">): boolean {
  return exception.rule === finding.rule && exceptionApplies(exception, finding.environment) && globToRegExp(exception.resource).test(finding.path);
}

/** Marks non-compliant findings an applicable exception covers. */
export function applyExceptions(findings: readonly Finding[], exceptions: readonly AcceptedRisk[]): Finding[] {
  return findings.map((f) => {
    if (f.status !== "non-compliant") return f;
    const exception = exceptions.find((e) => exceptionMatches(e, f));
    return exception ? { ...f, exception } : f;
  });
}

/**
 * Exceptions that name an unknown rule, or that apply to `environment` but match no resource in
 * any of `findings` (the resource was removed or renamed) or only resources that comply (it was
 * fixed): the list must not rot.
 */
export function staleExceptions(exceptions: readonly AcceptedRisk[], findings: readonly Finding[], environment: string | undefined, rules: readonly Rule[] = RULES): { exception: AcceptedRisk; problem: string }[] {
  const out: { exception: AcceptedRisk; problem: string }[] = [];
  for (const exception of exceptions) {
    if (!rules.some((r) => r.id === exception.rule)) out.push({ exception, problem: `names no known rule (${exception.rule})` });
    else if (exceptionApplies(exception, environment)) {
      const matched = findings.filter((f) => exceptionMatches(exception, { ...f, environment }));
      const where = environment ? ` in ${environment}` : "";
      if (matched.length === 0) out.push({ exception, problem: `matches no resource${where}: remove it, or list in environments only where the resource exists` });
      // The resource was fixed: an exception that silences nothing would silently excuse its next regression.
      else if (!matched.some((f) => f.status === "non-compliant")) out.push({ exception, problem: `excuses nothing${where} (every matching resource complies): remove it` });
    }
  }
  return out;
}

/** Findings that fail: error-level, non-compliant, not excepted. */
export const isViolation = (f: Finding) => f.status === "non-compliant" && f.level === "error" && !f.exception;
/** Findings that print but do not fail: warning-level, non-compliant, not excepted. */
export const isWarning = (f: Finding) => f.status === "non-compliant" && f.level === "warning" && !f.exception;

/** One line per violation: stack, construct path, rule, fix. */
export function formatViolation(f: Finding): string {
  return `${f.stack}  ${f.path}  ${f.rule}: ${f.message}`;
}
