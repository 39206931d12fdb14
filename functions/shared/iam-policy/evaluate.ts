/**
 * Request evaluation on top of policy.ts (the platform's one policy engine): "is this request
 * allowed?" for a concrete caller, action, resource and request context, following IAM's logic:
 *
 * - an explicit Deny in any policy that applies wins;
 * - identity-based permissions need an Allow in an identity policy AND, when the principal has a
 *   permissions boundary, an Allow in the boundary (boundary ∩ identity);
 * - a resource-based policy (e.g. a role's trust policy) that allows the principal by name grants on
 *   its own within the account; one that names only the account (`:root`) delegates to it, so an
 *   identity policy of the caller must allow too; for `sts:AssumeRole` the trust policy must allow;
 * - otherwise the request is implicitly denied.
 *
 * Conditions are evaluated against the request context with IAM's operator semantics: string,
 * numeric, date, Bool, IP and ARN operators, `IfExists` (an absent key satisfies the condition),
 * negated operators (an absent key satisfies them), `Null`, and the `ForAnyValue` / `ForAllValues`
 * set qualifiers over multi-valued keys.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";
import {
  parsePolicy,
  resourceMatches,
  statementCoversAction,
  statementCoversResource,
  type Condition,
  type Policy,
  type Statement,
  type StatementRef,
} from "./policy";

/** The request context: condition keys (any case) to a value or a list of values. Absent keys are left out. */
export type RequestContextValues = Readonly<Record<string, string | boolean | number | readonly string[] | undefined>>;

export interface EvaluationRequest {
  /** The calling principal's ARN (an IAM user or role ARN, or an `sts::...:assumed-role/...` session ARN). */
  readonly principal?: string;
  /** For service principals (`lambda.amazonaws.com`). */
  readonly service?: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: RequestContextValues;
}

export interface PolicySet {
  /** Identity-based policies of the principal (inline and managed). */
  readonly identity?: readonly (Policy | string | object)[];
  /** The principal's permissions boundary, if it has one. */
  readonly boundary?: Policy | string | object;
  /** The resource-based policy of the resource (e.g. a role's trust policy for sts:AssumeRole). */
  readonly resource?: Policy | string | object;
}

export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

export interface Evaluation {
  readonly decision: Decision;
  readonly allowed: boolean;
  /** The statements that decided: the Deny that matched, or the Allows that granted. */
  readonly statements: readonly (StatementRef & { readonly policy: keyof PolicySet })[];
  /** A sentence saying why. */
  readonly reason: string;
}

function asPolicy(p: Policy | string | object): Policy {
  if (typeof p === "object" && p !== null && "statements" in p && Array.isArray((p as Policy).statements)) return p as Policy;
  return parsePolicy(p as string | object);
}

function lowerKeys(context: RequestContextValues | undefined): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const [k, v] of Object.entries(context ?? {})) {
    if (v === undefined) continue;
    out.set(k.toLowerCase(), Array.isArray(v) ? v.map(String) : [String(v)]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Operators

const NEGATED = new Set(["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals", "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike"]);

function parseDate(value: string): number | undefined {
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.includes("/") ? cidr.split("/") : [cidr, undefined];
  const family = isIPv4(base!) ? "ipv4" : isIPv6(base!) ? "ipv6" : undefined;
  if (!family || !(isIPv4(ip) || isIPv6(ip))) return false;
  const bits = bitsText === undefined ? (family === "ipv4" ? 32 : 128) : Number(bitsText);
  const list = new BlockList();
  list.addSubnet(base!, bits, family);
  return list.check(ip, isIPv4(ip) ? "ipv4" : "ipv6");
}

/** ARN matching: each of the six colon-separated parts matched separately (so `*` never spans a colon in the first five). */
function arnLike(pattern: string, value: string): boolean {
  const p = pattern.split(":");
  const v = value.split(":");
  if (p.length < 6 || v.length < 6) return resourceMatches(pattern, value);
  for (let i = 0; i < 5; i++) if (!resourceMatches(p[i]!, v[i]!)) return false;
  return resourceMatches(p.slice(5).join(":"), v.slice(5).join(":"));
}

/** Whether one context value matches one policy value under the positive form of `operator`. */
function matchesOne(operator: string, policyValue: string, contextValue: string): boolean {
  switch (operator) {
    case "StringEquals":
    case "StringNotEquals":
      return policyValue === contextValue;
    case "StringEqualsIgnoreCase":
    case "StringNotEqualsIgnoreCase":
      return policyValue.toLowerCase() === contextValue.toLowerCase();
    case "StringLike":
    case "StringNotLike":
      return resourceMatches(policyValue, contextValue);
    case "NumericEquals":
    case "NumericNotEquals":
      return Number(contextValue) === Number(policyValue);
    case "NumericLessThan":
      return Number(contextValue) < Number(policyValue);
    case "NumericLessThanEquals":
      return Number(contextValue) <= Number(policyValue);
    case "NumericGreaterThan":
      return Number(contextValue) > Number(policyValue);
    case "NumericGreaterThanEquals":
      return Number(contextValue) >= Number(policyValue);
    case "DateEquals":
    case "DateNotEquals":
    case "DateLessThan":
    case "DateLessThanEquals":
    case "DateGreaterThan":
    case "DateGreaterThanEquals": {
      const c = parseDate(contextValue);
      const p = parseDate(policyValue);
      if (c === undefined || p === undefined) return false;
      if (operator === "DateLessThan") return c < p;
      if (operator === "DateLessThanEquals") return c <= p;
      if (operator === "DateGreaterThan") return c > p;
      if (operator === "DateGreaterThanEquals") return c >= p;
      return c === p;
    }
    case "Bool":
      return policyValue.toLowerCase() === contextValue.toLowerCase();
    case "IpAddress":
    case "NotIpAddress":
      return ipInCidr(contextValue, policyValue);
    case "ArnEquals":
    case "ArnNotEquals":
      return policyValue === contextValue;
    case "ArnLike":
    case "ArnNotLike":
      return arnLike(policyValue, contextValue);
    case "BinaryEquals":
      return policyValue === contextValue;
    default:
      return false;
  }
}

/** Whether one condition holds for the request context. Unknown operators never hold (fail closed for Allows). */
export function conditionHolds(condition: Condition, context: ReadonlyMap<string, readonly string[]>): boolean {
  const values = context.get(condition.key);
  const op = condition.baseOperator;
  if (op === "Null") {
    const wantAbsent = condition.values.some((v) => v.toLowerCase() === "true");
    return wantAbsent ? values === undefined : values !== undefined;
  }
  if (values === undefined || values.length === 0) {
    if (condition.ifExists) return true;
    // Negated operators hold when the key is absent ("not equal" to anything); ForAllValues holds vacuously.
    if (condition.setQualifier === "ForAllValues") return true;
    return NEGATED.has(op) && condition.setQualifier === undefined;
  }
  const negated = NEGATED.has(op);
  const anyPolicyValue = (contextValue: string) => condition.values.some((pv) => matchesOne(op, pv, contextValue));
  if (condition.setQualifier === "ForAllValues") {
    return values.every((v) => (negated ? !anyPolicyValue(v) : anyPolicyValue(v)));
  }
  if (condition.setQualifier === "ForAnyValue") {
    return values.some((v) => (negated ? !anyPolicyValue(v) : anyPolicyValue(v)));
  }
  // Single-valued key: a negated operator holds when the value matches none of the policy values.
  const matched = values.some(anyPolicyValue);
  return negated ? !matched : matched;
}

// ---------------------------------------------------------------------------------------------
// Principals

/** The IAM identity behind a session ARN: `arn:aws:sts::1:assumed-role/R/s` → `arn:aws:iam::1:role/R`. */
export function principalIdentityArn(arn: string): string {
  const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : arn;
}

function accountOf(arn: string): string | undefined {
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}

/**
 * Whether a resource-policy statement's Principal (or NotPrincipal) names the request's caller
 * itself (or everyone), or only the caller's account.
 */
function principalMatch(statement: Statement, request: EvaluationRequest): "caller" | "account" | undefined {
  if (statement.principals.length === 0 && !statement.notPrincipal) return undefined;
  const caller = request.principal;
  const identity = caller ? principalIdentityArn(caller) : undefined;
  const direct = statement.principals.some((p) => {
    if (p.kind === "public") return true;
    if (p.type === "Service") return request.service !== undefined && p.value === request.service;
    if (!caller) return false;
    return !(p.kind === "account" && p.isRoot) && (p.value === caller || p.value === identity);
  });
  const account = !!caller && statement.principals.some((p) => p.kind === "account" && p.isRoot && accountOf(caller) === p.accountId);
  if (statement.notPrincipal) return direct || account ? undefined : "caller";
  return direct ? "caller" : account ? "account" : undefined;
}

/** Whether a resource-policy statement's Principal (or NotPrincipal) covers the request's caller. */
function principalCovered(statement: Statement, request: EvaluationRequest): boolean {
  return principalMatch(statement, request) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function statementMatches(statement: Statement, request: EvaluationRequest, context: ReadonlyMap<string, readonly string[]>, isResourcePolicy: boolean): boolean {
  if (!statementCoversAction(statement, request.action)) return false;
  if (!statementCoversResource(statement, request.resource)) return false;
  if (isResourcePolicy && !principalCovered(statement, request)) return false;
  return statement.conditions.every((c) => conditionHolds(c, context));
}

function withDerivedKeys(request: EvaluationRequest): Map<string, readonly string[]> {
  const context = lowerKeys(request.context);
  if (request.principal && !context.has("aws:principalarn")) context.set("aws:principalarn", [principalIdentityArn(request.principal)]);
  const account = request.principal ? accountOf(request.principal) : undefined;
  if (account && !context.has("aws:principalaccount")) context.set("aws:principalaccount", [account]);
  return context;
}

/**
 * Evaluates one request against the policies that apply to it. `identity` and `boundary` are the
 * caller's; `resource` is the target's resource-based policy (a trust policy for sts:AssumeRole).
 */
export function evaluateRequest(policies: PolicySet, request: EvaluationRequest): Evaluation {
  const context = withDerivedKeys(request);
  const sets: [keyof PolicySet, Policy[]][] = [
    ["identity", (policies.identity ?? []).map(asPolicy)],
    ["boundary", policies.boundary !== undefined ? [asPolicy(policies.boundary)] : []],
    ["resource", policies.resource !== undefined ? [asPolicy(policies.resource)] : []],
  ];
  const matching = (which: keyof PolicySet, effect: "Allow" | "Deny") =>
    sets
      .find(([name]) => name === which)![1]
      .flatMap((p) => p.statements)
      .filter((s) => s.effect === effect && statementMatches(s, request, context, which === "resource"))
      .map((s) => ({ index: s.index, ...(s.sid !== undefined ? { sid: s.sid } : {}), policy: which }));

  const denies = [...matching("identity", "Deny"), ...matching("boundary", "Deny"), ...matching("resource", "Deny")];
  if (denies.length > 0) {
    const d = denies[0]!;
    return { decision: "ExplicitDeny", allowed: false, statements: denies, reason: `explicitly denied by ${d.policy} policy statement ${d.sid ?? `#${d.index}`}` };
  }

  const resourceAllows = matching("resource", "Allow");
  const isAssumeRole = /^sts:AssumeRole/i.test(request.action);
  if (isAssumeRole && policies.resource !== undefined && resourceAllows.length === 0) {
    return { decision: "ImplicitDeny", allowed: false, statements: [], reason: "the role's trust policy does not allow this caller under these conditions" };
  }
  // A resource policy that names the caller (or everyone) grants on its own; one that names only the
  // caller's account delegates to the account, whose identity policies must then allow it too.
  const resourceStatements = sets.find(([name]) => name === "resource")![1].flatMap((p) => p.statements);
  const namesCaller = resourceAllows.some((ref) => {
    const s = resourceStatements.find((x) => x.index === ref.index && x.sid === ref.sid);
    return s !== undefined && principalMatch(s, request) === "caller";
  });
  if (namesCaller) {
    return { decision: "Allow", allowed: true, statements: resourceAllows, reason: "allowed by the resource-based policy" };
  }
  if (resourceAllows.length === 0 && isAssumeRole && policies.resource !== undefined) {
    return { decision: "ImplicitDeny", allowed: false, statements: [], reason: "the role's trust policy does not allow this caller under these conditions" };
  }

  const identityAllows = matching("identity", "Allow");
  if (identityAllows.length === 0) {
    const reason = resourceAllows.length > 0 ? "the resource-based policy trusts only the caller's account; no identity-based policy of the caller allows it" : "no identity-based policy allows it";
    return { decision: "ImplicitDeny", allowed: false, statements: [], reason };
  }
  if (policies.boundary !== undefined) {
    const boundaryAllows = matching("boundary", "Allow");
    if (boundaryAllows.length === 0) return { decision: "ImplicitDeny", allowed: false, statements: [], reason: "the permissions boundary does not allow it" };
    return { decision: "Allow", allowed: true, statements: [...identityAllows, ...boundaryAllows], reason: "allowed by an identity policy within the permissions boundary" };
  }
  return { decision: "Allow", allowed: true, statements: identityAllows, reason: "allowed by an identity policy" };
}
