/**
 * The IAM policy documents a role, policy, user or group carries, parsed by the platform's one
 * policy engine (functions/shared/iam-policy/policy.ts). A role is read with its inline policies
 * (inline_policy blocks and aws_iam_role_policy) and the customer-managed policies attached to it in
 * the same stack; AWS-managed policies are named, since their text is not in the stack.
 */
import { parsePolicy, type Policy, type Statement } from "../../../functions/shared/iam-policy/policy";
import { blocks, type StackModel, type TfResource } from "./stack-model";
import { nonCompliant, notApplicable, type Verdict } from "../rule";

export interface PolicySource {
  /** What the document is, for messages: `inline policy "x"`, `aws_iam_policy csp-invoke`. */
  readonly label: string;
  readonly policy?: Policy;
  /** Set when the document could not be read (malformed JSON, unresolvable reference). */
  readonly error?: string;
}

export interface HeldPolicies {
  /** Documents the principal holds directly (inline, or the policy itself). */
  readonly own: readonly PolicySource[];
  /** Customer-managed policies attached in this stack (roles only). */
  readonly attached: readonly PolicySource[];
  /** ARNs of attached policies whose text is not in the stack (AWS-managed or elsewhere). */
  readonly external: readonly string[];
}

/** Converts a `data.aws_iam_policy_document` (HCL blocks) to a JSON policy object. */
function fromPolicyDocument(data: TfResource): object {
  const list = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
  const principals = (ps: unknown) => {
    const out: Record<string, string[]> = {};
    for (const p of blocks(ps)) out[p.type === "*" ? "AWS" : String(p.type)] = [...(out[String(p.type)] ?? []), ...(list(p.identifiers) ?? [])];
    return Object.keys(out).length ? out : undefined;
  };
  return {
    Version: "2012-10-17",
    Statement: blocks(data.config.statement).map((s) => {
      const condition: Record<string, Record<string, string[]>> = {};
      for (const c of blocks(s.condition)) condition[c.test] = { ...(condition[c.test] ?? {}), [c.variable]: list(c.values) ?? [] };
      return Object.fromEntries(
        Object.entries({
          Sid: s.sid,
          Effect: s.effect ?? "Allow",
          Action: list(s.actions),
          NotAction: list(s.not_actions),
          Resource: list(s.resources),
          NotResource: list(s.not_resources),
          Principal: principals(s.principals),
          NotPrincipal: principals(s.not_principals),
          Condition: Object.keys(condition).length ? condition : undefined,
        }).filter(([, v]) => v !== undefined),
      );
    }),
  };
}

/** Reads a policy attribute: JSON text, or a reference to a data.aws_iam_policy_document's json. */
export function readPolicy(value: unknown, stack: StackModel, label: string): PolicySource {
  if (typeof value === "string") {
    const ref = stack.resolve(value);
    if (ref?.isData && ref.type === "aws_iam_policy_document") return { label, policy: parsePolicy(fromPolicyDocument(ref)) };
    try {
      return { label, policy: parsePolicy(value) };
    } catch (error) {
      return { label, error: `${label} cannot be read: ${(error as Error).message}` };
    }
  }
  if (value && typeof value === "object") {
    try {
      return { label, policy: parsePolicy(value) };
    } catch (error) {
      return { label, error: `${label} cannot be read: ${(error as Error).message}` };
    }
  }
  return { label, error: `${label} has no policy document` };
}

/** Whether an attribute names `role` (by reference, or by its literal name). */
function namesRole(value: unknown, role: TfResource, stack: StackModel): boolean {
  return stack.mentions(value, role) || (typeof value === "string" && value !== "" && value === role.config.name);
}

/** The policies a principal resource holds. Non-principal resources hold nothing. */
export function heldPolicies(resource: TfResource, stack: StackModel): HeldPolicies {
  switch (resource.type) {
    case "aws_iam_role": {
      const own = [
        ...blocks(resource.config.inline_policy).map((b) => readPolicy(b.policy, stack, `inline policy "${b.name ?? "?"}"`)),
        ...stack.ofType("aws_iam_role_policy").filter((p) => namesRole(p.config.role, resource, stack)).map((p) => readPolicy(p.config.policy, stack, `inline policy "${p.config.name ?? p.name}"`)),
      ];
      const arns: unknown[] = [
        ...stack.ofType("aws_iam_role_policy_attachment").filter((a) => namesRole(a.config.role, resource, stack)).map((a) => a.config.policy_arn),
        ...((resource.config.managed_policy_arns as unknown[] | undefined) ?? []),
        ...stack.ofType("aws_iam_role_policy_attachments_exclusive").filter((a) => namesRole(a.config.role_name, resource, stack)).flatMap((a) => (a.config.policy_arns as unknown[]) ?? []),
      ];
      const attached: PolicySource[] = [];
      const external: string[] = [];
      for (const arn of arns) {
        const policy = stack.resolve(arn);
        if (policy && !policy.isData && policy.type === "aws_iam_policy") attached.push(readPolicy(policy.config.policy, stack, `attached policy ${policy.path}`));
        else external.push(String(arn));
      }
      return { own, attached, external };
    }
    case "aws_iam_policy":
    case "aws_iam_user_policy":
    case "aws_iam_group_policy":
      return { own: [readPolicy(resource.config.policy, stack, `${resource.type} ${resource.path}`)], attached: [], external: [] };
    default:
      return { own: [], attached: [], external: [] };
  }
}

/** Resource types whose identity policies the IAM rules judge (roles with their inline policies; managed, user and group policies on their own). */
export const POLICY_HOLDER_TYPES = ["aws_iam_role", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"] as const;

export interface LocatedStatement {
  readonly source: string;
  readonly statement: Statement;
}

/** Allow statements of the holder's own documents (not attached ones: those are judged as aws_iam_policy), plus read errors. */
export function ownAllowStatements(resource: TfResource, stack: StackModel): { statements: LocatedStatement[]; errors: string[] } {
  const held = heldPolicies(resource, stack);
  const statements: LocatedStatement[] = [];
  const errors: string[] = [];
  for (const source of held.own) {
    if (source.error) errors.push(source.error);
    for (const statement of source.policy?.statements ?? []) if (statement.effect === "Allow") statements.push({ source: source.label, statement });
  }
  return { statements, errors };
}

/** How a message names a statement: `inline policy "x" statement "Sid" (#2)`. */
export function where(s: LocatedStatement): string {
  return `${s.source} statement ${s.statement.sid !== undefined ? `"${s.statement.sid}" (#${s.statement.index})` : `#${s.statement.index}`}`;
}

/**
 * The common frame of the identity-policy rules: an unreadable document is non-compliant (never a
 * pass), a holder without Allow statements is not applicable, otherwise `judge` decides.
 */
export function judgeOwnAllowStatements(resource: TfResource, stack: StackModel, judge: (statements: LocatedStatement[]) => Verdict): Verdict {
  const { statements, errors } = ownAllowStatements(resource, stack);
  if (errors.length) return nonCompliant(errors.join("; "));
  if (statements.length === 0) return notApplicable("no Allow statements of its own");
  return judge(statements);
}

/** The common frame of the key-policy rules: the default policy (account only) passes, an unreadable one fails. */
export function judgeKeyPolicy(key: TfResource, stack: StackModel, judge: (policy: Policy) => Verdict): Verdict {
  if (key.config.policy === undefined) return { status: "compliant", message: "the default key policy (this account only, no services)" };
  const source = readPolicy(key.config.policy, stack, "the key policy");
  return source.policy ? judge(source.policy) : nonCompliant(source.error!);
}
