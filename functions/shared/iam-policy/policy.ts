/**
 * IAM resource-policy analysis shared by the auditors (KMS key policies, S3 bucket policies).
 *
 * Two layers:
 * - low level: {@link parsePolicy} normalises a document into {@link Statement}s (every element a
 *   list, condition keys lower-cased, condition values as strings), plus matching helpers
 *   ({@link actionMatches}, {@link resourceMatches}, {@link statementCoversAction},
 *   {@link statementCoversResource}, {@link findConditions}, {@link conditionEquals}, ...);
 * - high level: {@link evaluateAccess} answers "who can do what": public grants (after Deny
 *   statements are subtracted), grants guarded by a Deny, cross-account grants and `service:*` grants,
 *   each citing the statements involved.
 *
 * Unlike a literal reading of the document, the evaluator honours Deny statements, NotPrincipal,
 * NotAction and NotResource, and only treats a condition as restricting the caller when it pins a
 * fixed, wildcard-free value (an `IfExists` condition never pins: the key can be absent).
 * "Public" follows S3's own definition ("The meaning of public", S3 User Guide): its list of
 * condition keys ({@link PINNING_CONDITION_KEYS}), source-IP ranges no broader than /8 (IPv4) or
 * /32 (IPv6) (`ip-range.ts`), access-point delegation to a fixed account, and web identity
 * providers as public principals.
 */
import { ValidationError } from "../platform/errors";
import { ipRangeRestrictsCaller } from "./ip-range";

// ---------------------------------------------------------------------------------------------
// Types

export type Effect = "Allow" | "Deny";

/** The element a principal was written under. `*` is the bare `"Principal": "*"`. */
export type PrincipalType = "*" | "AWS" | "Service" | "Federated" | "CanonicalUser";

/**
 * What a principal means:
 * - `public`: anyone (`"*"`, `{"AWS":"*"}`, `arn:aws:iam::*:root` or any ARN whose account is a wildcard);
 * - `account`: an AWS account or an IAM/STS ARN in it (`accountId` set; `isRoot` for the account root);
 * - `service`: an AWS service principal (`s3.amazonaws.com`);
 * - `federated`: a SAML/OIDC provider of an account (`arn:aws:iam::<account>:saml-provider/...`);
 *   a web identity provider named by its domain (`graph.facebook.com`, `accounts.google.com`,
 *   `cognito-identity.amazonaws.com`) is `public`: anyone can sign in there, and S3 calls such a
 *   grant public ("The meaning of public");
 * - `canonical-user`: an S3 canonical user id;
 * - `unknown`: e.g. a unique id (`AROA...`) left behind when a role was deleted.
 */
export type PrincipalKind = "public" | "account" | "service" | "federated" | "canonical-user" | "unknown";

export interface Principal {
  readonly type: PrincipalType;
  /** The value as written, e.g. `arn:aws:iam::111122223333:role/app`. */
  readonly value: string;
  readonly kind: PrincipalKind;
  /** The 12-digit account, for `kind: "account"`. */
  readonly accountId?: string;
  /** True for the account root (`123456789012` or `arn:<partition>:iam::123456789012:root`). */
  readonly isRoot?: boolean;
}

/** Set qualifier of a multi-valued condition operator. */
export type SetQualifier = "ForAnyValue" | "ForAllValues";

/** One condition key test, e.g. `"StringEqualsIfExists": {"aws:PrincipalOrgID": ["o-1"]}`. */
export interface Condition {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operator: string;
  /** The operator without qualifier and `IfExists`, canonical casing, e.g. `StringLike`, `Bool`. */
  readonly baseOperator: string;
  readonly ifExists: boolean;
  readonly setQualifier?: SetQualifier;
  /** The condition key, lower-cased (keys are case-insensitive), e.g. `aws:securetransport`. */
  readonly key: string;
  /** The key as written. */
  readonly keyAsWritten: string;
  /** Values as strings: JSON `false` becomes `"false"`, `42` becomes `"42"`, a single value a one-item list. */
  readonly values: readonly string[];
}

/** A statement with every element normalised to a list. */
export interface Statement {
  /** Position in the document's Statement list (0-based; 0 when Statement is a single object). */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
  /**
   * The Principal entries, or the NotPrincipal entries when `notPrincipal` is true. Empty when the
   * statement has neither (an identity policy).
   */
  readonly principals: readonly Principal[];
  readonly notPrincipal: boolean;
  /** The Action patterns, or the NotAction patterns when `notAction` is true. */
  readonly actions: readonly string[];
  readonly notAction: boolean;
  /** The Resource patterns, or the NotResource patterns when `notResource` is true; empty when neither is given. */
  readonly resources: readonly string[];
  readonly notResource: boolean;
  /** All condition tests; a statement applies only when every one of them holds. */
  readonly conditions: readonly Condition[];
}

export interface Policy {
  readonly version?: string;
  readonly id?: string;
  readonly statements: readonly Statement[];
}

/** How findings cite a statement: its Sid when it has one, always its index. */
export interface StatementRef {
  readonly index: number;
  readonly sid?: string;
}

/** An Allow that lets anyone perform `actions`. */
export interface PublicGrant {
  readonly statement: StatementRef;
  /** The actions of interest this statement grants to anyone (and no Deny takes away). */
  readonly actions: readonly string[];
  /** The principal values that made it public (`*`, `arn:aws:iam::*:root`, or `NotPrincipal`). */
  readonly principals: readonly string[];
}

/** An Allow to anyone that Deny statements restrict to pinned callers (e.g. Deny unless aws:PrincipalOrgID = o-1). */
export interface GuardedGrant extends PublicGrant {
  readonly guardedBy: readonly StatementRef[];
}

/** Actions one other account is granted, via account principals or a public Allow pinned to that account. */
export interface CrossAccountGrant {
  readonly accountId: string;
  readonly actions: readonly string[];
  /** The principal values (or `condition:<key>` for a grant pinned by a condition to that account). */
  readonly principals: readonly string[];
  readonly statements: readonly StatementRef[];
  /** True when every granting statement carries conditions (the grant may be narrower than shown). */
  readonly conditional: boolean;
}

/** An Allow of `service:*`, `*` or a NotAction (everything but) to a principal. */
export interface WildcardGrant {
  readonly principal: Principal | { readonly type: "NotPrincipal"; readonly value: string; readonly kind: "public" };
  /** The pattern granted: `kms:*`, `*`, `NotAction:<patterns>`. */
  readonly action: string;
  readonly statement: StatementRef;
  readonly conditional: boolean;
}

export interface AccessQuery {
  /** The account that owns the resource; grants to it are neither public nor cross-account. */
  readonly ownerAccountId: string;
  /** Concrete actions of interest, e.g. `["kms:Decrypt", ...]` or `["s3:GetObject"]`. */
  readonly actions: readonly string[];
  /**
   * Resource ARNs of interest; a statement counts when its Resource matches one of them. When
   * omitted every statement counts whatever its Resource (key policies use `"*"` for "this key").
   */
  readonly resources?: readonly string[];
  /**
   * Service prefixes whose `service:*` grants are reported in `wildcardGrants`.
   * @default the prefixes of `actions`
   */
  readonly wildcardServices?: readonly string[];
}

export interface AccessReport {
  /** True when at least one public grant survives the Deny statements. */
  readonly isPublic: boolean;
  readonly publicGrants: readonly PublicGrant[];
  readonly guardedGrants: readonly GuardedGrant[];
  readonly crossAccountGrants: readonly CrossAccountGrant[];
  readonly wildcardGrants: readonly WildcardGrant[];
}

/** The policy document is not valid JSON or not a policy; code `MalformedPolicy`. */
export class PolicyParseError extends ValidationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "MalformedPolicy", options);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

const OPERATORS = [
  "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
  "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
  "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
  "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
];
const OPERATOR_BY_LOWER = new Map(OPERATORS.map((op) => [op.toLowerCase(), op]));

/** Splits a condition operator into qualifier, canonical base operator and `IfExists`; unknown operators keep their spelling. */
export function parseOperator(operator: string): { baseOperator: string; ifExists: boolean; setQualifier?: SetQualifier } {
  let rest = operator.trim();
  let setQualifier: SetQualifier | undefined;
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === "foranyvalue") setQualifier = "ForAnyValue";
    else if (prefix === "forallvalues") setQualifier = "ForAllValues";
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.toLowerCase().endsWith("ifexists") && rest.toLowerCase() !== "ifexists") {
    ifExists = true;
    rest = rest.slice(0, -"IfExists".length);
  }
  const baseOperator = OPERATOR_BY_LOWER.get(rest.toLowerCase()) ?? rest;
  return setQualifier ? { baseOperator, ifExists, setQualifier } : { baseOperator, ifExists };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, what: string, index: number): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item !== "string") throw new PolicyParseError(`Statement ${index}: ${what} must be a string or a list of strings.`);
    return item;
  });
}

function conditionValues(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item === "string") return item;
    if (typeof item === "boolean" || typeof item === "number") return String(item);
    throw new PolicyParseError(`${where}: condition values must be strings, booleans or numbers.`);
  });
}

const ACCOUNT_ID = /^\d{12}$/;
const PRINCIPAL_ARN = /^arn:([^:]*):(iam|sts)::([^:]*):(.+)$/;

/** Classifies one principal value written under `type`. */
export function classifyPrincipal(type: PrincipalType, value: string): Principal {
  if (type === "*" || value === "*") return { type, value, kind: "public" };
  if (type === "Service") return { type, value, kind: "service" };
  if (type === "Federated") {
    const provider = PRINCIPAL_ARN.exec(value);
    if (provider && ACCOUNT_ID.test(provider[3]!)) return { type, value, kind: "federated", accountId: provider[3]! };
    return { type, value, kind: "public" };
  }
  if (type === "CanonicalUser") return { type, value, kind: "canonical-user" };
  if (ACCOUNT_ID.test(value)) return { type, value, kind: "account", accountId: value, isRoot: true };
  const arn = PRINCIPAL_ARN.exec(value);
  if (arn) {
    const account = arn[3]!;
    if (account.includes("*") || account.includes("?")) return { type, value, kind: "public" };
    if (ACCOUNT_ID.test(account)) return { type, value, kind: "account", accountId: account, isRoot: arn[2] === "iam" && arn[4] === "root" };
  }
  return { type, value, kind: "unknown" };
}

function parsePrincipals(value: unknown, index: number): Principal[] {
  if (value === "*") return [classifyPrincipal("*", "*")];
  if (!isObject(value)) throw new PolicyParseError(`Statement ${index}: Principal must be "*" or an object such as {"AWS": [...]}.`);
  const out: Principal[] = [];
  for (const [rawType, raw] of Object.entries(value)) {
    const type = (["AWS", "Service", "Federated", "CanonicalUser"] as const).find((t) => t.toLowerCase() === rawType.toLowerCase());
    if (!type) throw new PolicyParseError(`Statement ${index}: unknown principal type ${JSON.stringify(rawType)}.`);
    for (const v of stringList(raw, `Principal.${type}`, index)) out.push(classifyPrincipal(type, v));
  }
  return out;
}

function pick(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return obj[key];
  return undefined;
}

function parseStatement(raw: unknown, index: number): Statement {
  if (!isObject(raw)) throw new PolicyParseError(`Statement ${index} is not an object.`);
  const effectRaw = pick(raw, "Effect");
  const effect = typeof effectRaw === "string" ? (["Allow", "Deny"] as const).find((e) => e.toLowerCase() === effectRaw.toLowerCase()) : undefined;
  if (!effect) throw new PolicyParseError(`Statement ${index}: Effect must be "Allow" or "Deny".`);

  const principal = pick(raw, "Principal");
  const notPrincipalRaw = pick(raw, "NotPrincipal");
  if (principal !== undefined && notPrincipalRaw !== undefined) throw new PolicyParseError(`Statement ${index} has both Principal and NotPrincipal.`);
  const action = pick(raw, "Action");
  const notActionRaw = pick(raw, "NotAction");
  if ((action === undefined) === (notActionRaw === undefined)) throw new PolicyParseError(`Statement ${index} must have exactly one of Action and NotAction.`);
  const resource = pick(raw, "Resource");
  const notResourceRaw = pick(raw, "NotResource");
  if (resource !== undefined && notResourceRaw !== undefined) throw new PolicyParseError(`Statement ${index} has both Resource and NotResource.`);

  const conditions: Condition[] = [];
  const conditionRaw = pick(raw, "Condition");
  if (conditionRaw !== undefined) {
    if (!isObject(conditionRaw)) throw new PolicyParseError(`Statement ${index}: Condition must be an object.`);
    for (const [operator, block] of Object.entries(conditionRaw)) {
      if (!isObject(block)) throw new PolicyParseError(`Statement ${index}: Condition.${operator} must be an object of keys to values.`);
      const parsed = parseOperator(operator);
      for (const [keyAsWritten, values] of Object.entries(block)) {
        conditions.push({ operator, ...parsed, key: keyAsWritten.toLowerCase(), keyAsWritten, values: conditionValues(values, `Statement ${index}: Condition.${operator}.${keyAsWritten}`) });
      }
    }
  }

  const sid = pick(raw, "Sid");
  return {
    index,
    ...(typeof sid === "string" && sid !== "" ? { sid } : {}),
    effect,
    principals: principal !== undefined ? parsePrincipals(principal, index) : notPrincipalRaw !== undefined ? parsePrincipals(notPrincipalRaw, index) : [],
    notPrincipal: notPrincipalRaw !== undefined,
    actions: stringList(action ?? notActionRaw, action !== undefined ? "Action" : "NotAction", index),
    notAction: notActionRaw !== undefined,
    resources: resource !== undefined || notResourceRaw !== undefined ? stringList(resource ?? notResourceRaw, resource !== undefined ? "Resource" : "NotResource", index) : [],
    notResource: notResourceRaw !== undefined,
    conditions,
  };
}

/**
 * Parses a policy document given as JSON text or an already-parsed object. `Statement` may be one
 * object or a list; element names are matched case-insensitively.
 * @throws PolicyParseError (code `MalformedPolicy`) when it is not valid JSON or not a policy.
 */
export function parsePolicy(document: string | object): Policy {
  let doc: unknown = document;
  if (typeof document === "string") {
    try {
      doc = JSON.parse(document);
    } catch (error) {
      throw new PolicyParseError(`The policy is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  if (!isObject(doc)) throw new PolicyParseError("The policy is not a JSON object.");
  const statementRaw = pick(doc, "Statement");
  if (statementRaw === undefined) throw new PolicyParseError("The policy has no Statement.");
  const list = Array.isArray(statementRaw) ? statementRaw : [statementRaw];
  const version = pick(doc, "Version");
  const id = pick(doc, "Id");
  return {
    ...(typeof version === "string" ? { version } : {}),
    ...(typeof id === "string" ? { id } : {}),
    statements: list.map((s, i) => parseStatement(s, i)),
  };
}

// ---------------------------------------------------------------------------------------------
// Matching

const patternCache = new Map<string, RegExp>();

function wildcardRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const cacheKey = (caseInsensitive ? "i" : "s") + pattern;
  let re = patternCache.get(cacheKey);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    re = new RegExp(`^${body}$`, caseInsensitive ? "is" : "s");
    if (patternCache.size > 10_000) patternCache.clear();
    patternCache.set(cacheKey, re);
  }
  return re;
}

/** IAM action matching: `*` and `?` wildcards, case-insensitive (`KMS:decrypt` matches `kms:Decrypt`). */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardRegExp(pattern, true).test(action);
}

/** IAM resource matching: `*` and `?` wildcards, case-sensitive. */
export function resourceMatches(pattern: string, resource: string): boolean {
  return wildcardRegExp(pattern, false).test(resource);
}

/** Whether the statement's Action (or NotAction) applies to `action`. */
export function statementCoversAction(statement: Statement, action: string): boolean {
  const matched = statement.actions.some((p) => actionMatches(p, action));
  return statement.notAction ? !matched : matched;
}

/** Whether the statement's Resource (or NotResource) applies to `resource`; a statement without either applies to all. */
export function statementCoversResource(statement: Statement, resource: string): boolean {
  if (statement.resources.length === 0 && !statement.notResource) return true;
  const matched = statement.resources.some((p) => resourceMatches(p, resource));
  return statement.notResource ? !matched : matched;
}

/**
 * Whether a principal stands for every caller (`*`, `{"AWS":"*"}`, a wildcard-account ARN). A public
 * web identity provider does not: anyone may sign in there, but a Deny naming it still binds only
 * the callers who did.
 */
function isEveryone(principal: Principal): boolean {
  return principal.kind === "public" && principal.type !== "Federated";
}

/** Whether the statement names every principal: `Principal: "*"`, `{"AWS":"*"}` or a wildcard-account ARN (not NotPrincipal). */
export function appliesToAllPrincipals(statement: Statement): boolean {
  return !statement.notPrincipal && statement.principals.some(isEveryone);
}

/** The statement's conditions on `key` (case-insensitive), optionally only those with base operator `baseOperator`. */
export function findConditions(statement: Statement, key: string, baseOperator?: string): Condition[] {
  const k = key.toLowerCase();
  return statement.conditions.filter((c) => c.key === k && (baseOperator === undefined || c.baseOperator === baseOperator));
}

/**
 * Whether `condition` holds exactly when `key` equals `value` (a JSON boolean and its string form
 * are the same; case-insensitive for booleans): `Bool`/`BoolIfExists`, `StringEquals[IgnoreCase]`,
 * with one value or a list holding only that value. E.g. the TLS-only check asks
 * `conditionEquals(c, "aws:SecureTransport", "false")`.
 */
export function conditionEquals(condition: Condition, key: string, value: string | boolean): boolean {
  if (condition.key !== key.toLowerCase() || condition.setQualifier === "ForAllValues") return false;
  if (!["Bool", "StringEquals", "StringEqualsIgnoreCase"].includes(condition.baseOperator)) return false;
  const wanted = String(value);
  // StringEquals is case-sensitive in IAM: {"StringEquals": {"aws:SecureTransport": "False"}} never matches.
  const fold = condition.baseOperator !== "StringEquals";
  return condition.values.length > 0 && condition.values.every((v) => (fold ? v.toLowerCase() === wanted.toLowerCase() : v === wanted));
}

// ---------------------------------------------------------------------------------------------
// Pinning conditions

/**
 * Condition keys that restrict the caller to known accounts, organisations, networks or sources:
 * the keys of S3's "The meaning of public" (a principal, user, role or service principal, e.g.
 * `aws:PrincipalOrgID`; `aws:SourceIp`; `aws:SourceArn`; `aws:SourceVpc`; `aws:SourceVpce`;
 * `aws:SourceOwner`; `aws:SourceAccount`; `s3:x-amz-server-side-encryption-aws-kms-key-id`;
 * `aws:userid`; `s3:DataAccessPointArn`; `s3:DataAccessPointAccount`), plus `kms:CallerAccount`
 * for key policies.
 *
 * Absent on purpose: `kms:ViaService` (any account can call through a service, so it only narrows a
 * statement also pinned by `kms:CallerAccount`); `aws:username` (unique only within an account, so
 * any account can create a user called `alice`); `aws:VpcSourceIp` (a private address any VPC of any
 * account can use; S3 does not list it either).
 */
export const PINNING_CONDITION_KEYS: readonly string[] = [
  "kms:calleraccount", "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths", "aws:principalarn", "aws:principalservicename",
  "aws:sourceaccount", "aws:sourcearn", "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths",
  "aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:userid",
  "s3:dataaccesspointaccount", "s3:dataaccesspointarn", "s3:x-amz-server-side-encryption-aws-kms-key-id",
];

const ACCOUNT_KEYS = new Set(["kms:calleraccount", "aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "s3:dataaccesspointaccount"]);
const ARN_KEYS = new Set(["aws:principalarn", "aws:sourcearn", "s3:dataaccesspointarn"]);
const PATH_KEYS = new Set(["aws:principalorgpaths", "aws:sourceorgpaths"]);
const POSITIVE_OPERATORS = new Set(["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "IpAddress"]);
const NEGATED_OPERATORS = new Set(["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike", "NotIpAddress"]);

function hasWildcard(s: string): boolean {
  return s.includes("*") || s.includes("?") || s.includes("${");
}

/**
 * Whether one value fixes the caller for `key`: no wildcard or policy variable where the account,
 * organisation, network or role is named. A wildcard after that part (`arn:aws:s3:us-west-2:
 * 123456789012:accesspoint/*`, `AROAEXAMPLEID:*`) still pins: no other owner can match it. S3 says
 * so for `s3:DataAccessPointArn` and for `aws:userid` of the form `AROLEID:*`.
 */
function valuePins(key: string, value: string): boolean {
  const v = value.trim();
  if (v === "" || /^[*?]+$/.test(v)) return false;
  if (key === "aws:sourceip") return !hasWildcard(v) && ipRangeRestrictsCaller(v);
  if (ARN_KEYS.has(key)) {
    const parts = v.split(":");
    // arn:partition:service:region:account:resource — the account must be fixed (S3 ARNs have none; then the resource must be).
    if (parts.length < 6) return false;
    const account = parts[4]!;
    return account === "" ? !hasWildcard(parts.slice(5).join(":").split("/")[0]!) : !hasWildcard(account);
  }
  if (PATH_KEYS.has(key)) return !hasWildcard(v.split("/")[0]!);
  // A role's unique id fixes the role; `:*` only leaves its session name open.
  if (key === "aws:userid") {
    const id = v.endsWith(":*") ? v.slice(0, -2) : v;
    return id !== "" && !hasWildcard(id);
  }
  if (ACCOUNT_KEYS.has(key)) return !hasWildcard(v);
  return !hasWildcard(v);
}

function isPinningKey(key: string): boolean {
  return PINNING_CONDITION_KEYS.includes(key);
}

/**
 * Whether an Allow condition restricts the caller to fixed values: a pinning key under a positive
 * operator (StringEquals, StringLike, ArnEquals/Like, IpAddress, `ForAnyValue:` forms), every value
 * fixed, and no `IfExists` (an absent key would let anyone through).
 */
export function isPinningCondition(condition: Condition): boolean {
  return (
    isPinningKey(condition.key) &&
    !condition.ifExists &&
    condition.setQualifier !== "ForAllValues" &&
    POSITIVE_OPERATORS.has(condition.baseOperator) &&
    condition.values.length > 0 &&
    condition.values.every((v) => valuePins(condition.key, v))
  );
}

/**
 * Whether a Deny condition denies every caller outside fixed values (the Deny then guards an Allow):
 * a pinning key under a negated operator (StringNotEquals, ArnNotLike, NotIpAddress, ... with or
 * without `IfExists`: a negated operator is true when the key is absent, so absent is denied too),
 * every value fixed. `ForAllValues:` keeps that (true for an absent key); `ForAnyValue:` does not
 * (false for an absent key, so a caller without the key slips past the Deny).
 */
export function isGuardingCondition(condition: Condition): boolean {
  return (
    isPinningKey(condition.key) &&
    condition.setQualifier !== "ForAnyValue" &&
    NEGATED_OPERATORS.has(condition.baseOperator) &&
    condition.values.length > 0 &&
    condition.values.every((v) => valuePins(condition.key, v))
  );
}

/** Whether at least one of the statement's conditions pins the caller (conditions are ANDed, so one suffices). */
export function statementIsPinned(statement: Statement): boolean {
  return statement.conditions.some(isPinningCondition);
}

// ---------------------------------------------------------------------------------------------
// Effective access

function ref(statement: Statement): StatementRef {
  return statement.sid !== undefined ? { index: statement.index, sid: statement.sid } : { index: statement.index };
}

function coversResources(statement: Statement, resources: readonly string[] | undefined): boolean {
  return resources === undefined || resources.some((r) => statementCoversResource(statement, r));
}

/** Whether the deny's principal list names `grantee`, itself or through its account's root. */
function namesPrincipal(deny: Statement, grantee: Principal): boolean {
  return deny.principals.some((x) => x.value === grantee.value || (x.isRoot === true && x.accountId !== undefined && x.accountId === grantee.accountId));
}

/** Whether a Deny's principals include the grantee `p` (NotPrincipal Denies count only when `p` is not excluded). */
function denyAppliesTo(deny: Statement, grantee: Principal | "anyone"): boolean {
  if (deny.notPrincipal) return grantee !== "anyone" && !namesPrincipal(deny, grantee);
  if (deny.principals.length === 0) return true;
  if (deny.principals.some(isEveryone)) return true;
  return grantee !== "anyone" && namesPrincipal(deny, grantee);
}

/**
 * The account a condition value lets in: the value of kms:CallerAccount / aws:PrincipalAccount /
 * s3:DataAccessPointAccount, the account of an aws:PrincipalArn or s3:DataAccessPointArn (a grant
 * through another account's access point is delegated to that account).
 */
function callerAccountOf(key: string, value: string): string | undefined {
  if (key === "kms:calleraccount" || key === "aws:principalaccount" || key === "s3:dataaccesspointaccount") return ACCOUNT_ID.test(value.trim()) ? value.trim() : undefined;
  if (key === "aws:principalarn" || key === "s3:dataaccesspointarn") {
    const account = value.trim().split(":")[4];
    return account !== undefined && ACCOUNT_ID.test(account) ? account : undefined;
  }
  return undefined;
}

/** The caller accounts `conditions` name in the account keys of {@link callerAccountOf}, without repeats. */
function callerAccountsIn(conditions: readonly Condition[]): string[] {
  const accounts = new Set<string>();
  for (const c of conditions) {
    for (const v of c.values) {
      const account = callerAccountOf(c.key, v);
      if (account) accounts.add(account);
    }
  }
  return [...accounts];
}

/** Accounts an Allow's pinning conditions let in (kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalArn). */
function accountPins(statement: Statement): string[] {
  return callerAccountsIn(statement.conditions.filter(isPinningCondition));
}

/** Accounts a guarding Deny (deny unless kms:CallerAccount / aws:PrincipalAccount / aws:PrincipalArn in ...) lets through. */
function guardAccounts(deny: Statement): string[] {
  return callerAccountsIn(deny.conditions);
}

/**
 * Evaluates who can perform the actions of interest under a resource policy.
 *
 * - A statement is *public* when it Allows anyone (`*`, `{"AWS":"*"}`, a wildcard-account ARN, or an
 *   Allow with NotPrincipal) and none of its conditions pins the caller ({@link isPinningCondition}).
 * - An action leaves a public grant when a Deny applying to everyone covers it (action and resource)
 *   with no conditions; it moves to `guardedGrants` when every condition of such a Deny is a
 *   {@link isGuardingCondition} (deny unless in my org/account/VPC...). Other conditional Denies do
 *   not subtract anything: they could leave some callers allowed.
 * - *Cross-account* grants: Allows to principals of another account, or to anyone pinned by
 *   `kms:CallerAccount`/`aws:PrincipalAccount`/`aws:PrincipalArn` to another account (or let through
 *   by a guarding Deny naming another account in those keys), minus unconditional Denies on them.
 * - *Wildcard* grants: Allows of `service:*`, `*` or NotAction, to any principal except the owner's root.
 */
export function evaluateAccess(policy: Policy, query: AccessQuery): AccessReport {
  const owner = query.ownerAccountId;
  const relevant = policy.statements.filter((s) => coversResources(s, query.resources));
  const denies = relevant.filter((s) => s.effect === "Deny");
  const allows = relevant.filter((s) => s.effect === "Allow");

  const unconditionalDeny = (action: string, grantee: Principal | "anyone"): Statement | undefined =>
    denies.find((d) => d.conditions.length === 0 && statementCoversAction(d, action) && denyAppliesTo(d, grantee));
  const guardDeny = (action: string): Statement | undefined =>
    denies.find((d) => d.conditions.length > 0 && d.conditions.every(isGuardingCondition) && statementCoversAction(d, action) && denyAppliesTo(d, "anyone"));

  const publicGrants: PublicGrant[] = [];
  const guardedGrants: GuardedGrant[] = [];
  const cross = new Map<string, { actions: Set<string>; principals: Set<string>; statements: Map<number, StatementRef>; conditional: boolean }>();
  const addCross = (accountId: string, action: string, principal: string, statement: Statement, conditional = statement.conditions.length > 0): void => {
    let entry = cross.get(accountId);
    if (!entry) cross.set(accountId, (entry = { actions: new Set(), principals: new Set(), statements: new Map(), conditional: true }));
    entry.actions.add(action);
    entry.principals.add(principal);
    entry.statements.set(statement.index, ref(statement));
    if (!conditional) entry.conditional = false;
  };

  for (const allow of allows) {
    const granted = query.actions.filter((a) => statementCoversAction(allow, a));
    if (granted.length === 0) continue;
    const anyone = allow.notPrincipal || allow.principals.some((p) => p.kind === "public");
    if (anyone) {
      const principals = allow.notPrincipal ? ["NotPrincipal"] : allow.principals.filter((p) => p.kind === "public").map((p) => p.value);
      if (!statementIsPinned(allow)) {
        const open: string[] = [];
        const guarded: string[] = [];
        const guards = new Map<number, StatementRef>();
        for (const action of granted) {
          if (unconditionalDeny(action, "anyone")) continue;
          const guard = guardDeny(action);
          if (guard) {
            guarded.push(action);
            guards.set(guard.index, ref(guard));
            // The Deny still lets the accounts it names through: those are cross-account grants.
            for (const accountId of guardAccounts(guard)) if (accountId !== owner) addCross(accountId, action, "condition:account", allow, true);
          } else open.push(action);
        }
        if (open.length > 0) publicGrants.push({ statement: ref(allow), actions: open, principals });
        if (guarded.length > 0) guardedGrants.push({ statement: ref(allow), actions: guarded, principals, guardedBy: [...guards.values()] });
      } else {
        for (const accountId of accountPins(allow)) {
          if (accountId === owner) continue;
          for (const action of granted) if (!unconditionalDeny(action, "anyone")) addCross(accountId, action, "condition:account", allow);
        }
      }
    }
    if (!allow.notPrincipal) {
      for (const p of allow.principals) {
        if (p.kind !== "account" || p.accountId === owner) continue;
        for (const action of granted) if (!unconditionalDeny(action, p)) addCross(p.accountId!, action, p.value, allow);
      }
    }
  }

  const services = new Set((query.wildcardServices ?? query.actions.map((a) => a.split(":")[0]!)).map((s) => s.toLowerCase()));
  const wildcardGrants: WildcardGrant[] = [];
  for (const allow of allows) {
    const patterns = allow.notAction
      ? [`NotAction:${allow.actions.join(",")}`]
      : allow.actions.filter((a) => a === "*" || (/:\*+$/.test(a) && services.has(a.toLowerCase().replace(/:\*+$/, ""))));
    if (patterns.length === 0) continue;
    const grantees: WildcardGrant["principal"][] = allow.notPrincipal
      ? [{ type: "NotPrincipal", value: allow.principals.map((p) => p.value).join(","), kind: "public" }]
      : allow.principals.filter((p) => !(p.kind === "account" && p.isRoot && p.accountId === owner));
    for (const principal of grantees) {
      for (const action of patterns) wildcardGrants.push({ principal, action, statement: ref(allow), conditional: allow.conditions.length > 0 });
    }
  }

  const crossAccountGrants: CrossAccountGrant[] = [...cross.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([accountId, e]) => ({
      accountId,
      actions: [...e.actions].sort(),
      principals: [...e.principals].sort(),
      statements: [...e.statements.values()].sort((a, b) => a.index - b.index),
      conditional: e.conditional,
    }));

  return { isPublic: publicGrants.length > 0, publicGrants, guardedGrants, crossAccountGrants, wildcardGrants };
}

/** How a finding names a statement: `Sid "x" (#2)` or `#2`. */
export function describeStatement(statement: StatementRef): string {
  return statement.sid !== undefined ? `"${statement.sid}" (#${statement.index})` : `#${statement.index}`;
}
