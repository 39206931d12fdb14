/**
 * The role-vending API's core: who the caller is, the rate limit, validation against settings,
 * approvals, provisioning of the vended role, revocation. Pure over injected dependencies.
 */
import { randomBytes } from "node:crypto";
import { BlockList, isIPv4 } from "node:net";
import { HttpError } from "../shared/platform/http";
import { NotFoundError, ValidationError } from "../shared/platform/errors";
import {
  ERROR_CODES,
  METRICS,
  RATE_LIMIT_PER_MINUTE,
  type CreateGrantRequest,
  type Grant,
  type ListGrantsQuery,
  type Tier,
} from "../shared/contracts/role-vending-api";
import {
  boundaryPolicyArn,
  maxSessionSeconds,
  permissionsPolicy,
  renderTemplate,
  trustPolicy,
  validateRolePolicies,
  vendedRoleName,
  vendingPath,
} from "../shared/iam-policy/role-vending";
import { principalIdentityArn } from "../shared/iam-policy/evaluate";
import { effectiveStatus, newGrantId, RateLimitExceeded, withEffectiveStatus } from "../shared/role-vending/grant-store";
import { createVendedRole, deleteVendedRole, revokeSessions } from "../shared/role-vending/roles";
import { audit, type VendorDeps } from "../shared/role-vending/deps";

/** The authenticated caller, from API Gateway's IAM authorization. */
export interface Caller {
  /** As API Gateway reports it: a user ARN or an `assumed-role` session ARN. */
  readonly arn: string;
  /** The IAM identity: the user ARN, or the role ARN of a session. */
  readonly identityArn: string;
  /** What the trust policy names: the user ARN, or the account root (pinned by aws:userid) for a role session. */
  readonly trustPrincipal: string;
  /** For role sessions: `AROA...:session`, matched with aws:userid in the trust policy. */
  readonly userId?: string;
  /** The STS source identity the vended sessions must carry. */
  readonly sourceIdentity: string;
}

const USER_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):user\/(?:.*\/)?([\w+=,.@-]{1,64})$/;
const SESSION_ARN = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]{2,64})$/;

/** Reads the caller API Gateway authenticated; a request without one never reaches a route in AWS (IAM auth), locally it is refused. */
export function callerFrom(identity: { userArn?: string | null; caller?: string | null } | undefined): Caller {
  const arn = identity?.userArn ?? "";
  const user = USER_ARN.exec(arn);
  if (user) {
    const name = user[3]!;
    return { arn, identityArn: arn, trustPrincipal: arn, sourceIdentity: name.length >= 2 ? name : `${name}-user` };
  }
  const session = SESSION_ARN.exec(arn);
  if (session && identity?.caller) {
    return {
      arn,
      identityArn: `arn:${session[1]}:iam::${session[2]}:role/${session[3]}`,
      trustPrincipal: `arn:${session[1]}:iam::${session[2]}:root`,
      userId: identity.caller,
      sourceIdentity: session[4]!,
    };
  }
  throw new HttpError(403, ERROR_CODES.unauthenticated, "The request carries no IAM user or role-session identity; call the API with SigV4-signed requests (IAM authorization).");
}

/** `a.b.c.d/n` → address, prefix length, family. The contract's schema has already checked the syntax. */
function splitCidr(cidr: string): { address: string; bits: number; family: "ipv4" | "ipv6" } {
  const [address, bits] = cidr.split("/");
  return { address: address!, bits: Number(bits), family: isIPv4(address!) ? "ipv4" : "ipv6" };
}

/**
 * Whether `inner` lies entirely inside one of `allowed`. A block at least as narrow as an allowed
 * one is either inside it or disjoint, so checking its base address is enough.
 */
export function cidrWithin(inner: string, allowed: readonly string[]): boolean {
  const i = splitCidr(inner);
  return allowed.some((a) => {
    const o = splitCidr(a);
    if (o.family !== i.family || o.bits > i.bits) return false;
    const list = new BlockList();
    list.addSubnet(o.address, o.bits, o.family);
    return list.check(i.address, i.family);
  });
}

function forbidden(message: string): HttpError {
  return new HttpError(403, ERROR_CODES.forbidden, message);
}

async function inGroup(deps: VendorDeps, group: string, caller: Caller): Promise<boolean> {
  return group !== "" && USER_ARN.test(caller.identityArn) && (await deps.isGroupMember(group, caller.identityArn));
}

export async function isApprover(deps: VendorDeps, caller: Caller): Promise<boolean> {
  return deps.config.APPROVERS.includes(caller.identityArn) || (await inGroup(deps, deps.config.APPROVER_GROUP, caller));
}

export async function isAdmin(deps: VendorDeps, caller: Caller): Promise<boolean> {
  return inGroup(deps, deps.config.ADMIN_GROUP, caller);
}

const isOwner = (grant: Grant, caller: Caller) => grant.requester === caller.arn;

/** What the trust policy names for a stored grant's requester. */
function trustPrincipalOf(grant: Grant): Pick<Caller, "trustPrincipal" | "userId"> {
  const session = SESSION_ARN.exec(grant.requester);
  return session && grant.requesterUserId ? { trustPrincipal: `arn:${session[1]}:iam::${session[2]}:root`, userId: grant.requesterUserId } : { trustPrincipal: grant.requester };
}

/** Counts the request against the caller's 100 per minute; over it → 429 with Retry-After. */
export async function rateLimit(deps: VendorDeps, caller: Caller): Promise<void> {
  try {
    await deps.store.consumeRateLimit(caller.arn, RATE_LIMIT_PER_MINUTE, deps.now());
  } catch (error) {
    if (!(error instanceof RateLimitExceeded)) throw error;
    deps.metrics.count(METRICS.denials, 1, { reason: "rate-limit" });
    throw new HttpError(429, ERROR_CODES.rateLimited, `More than ${RATE_LIMIT_PER_MINUTE} requests in this minute; retry in ${error.retryAfterSeconds} seconds.`, {
      headers: { "retry-after": String(error.retryAfterSeconds) },
    });
  }
}

function approvalsNeeded(deps: VendorDeps, tier: Tier): number {
  // Break-glass must work when nobody is awake: never waits for an approver.
  return tier === "break-glass" ? 0 : (deps.config.TIERS[tier]?.approvals ?? 0);
}

async function load(deps: VendorDeps, id: string): Promise<Grant> {
  const grant = await deps.store.get(id);
  if (!grant) throw new NotFoundError(`Grant ${id} does not exist.`, ERROR_CODES.notFound);
  return grant;
}

/** POST /grants */
export async function requestGrant(deps: VendorDeps, caller: Caller, body: CreateGrantRequest): Promise<Grant> {
  const { config } = deps;
  const now = deps.now();
  if (!config.PROJECTS.includes(body.projectId)) {
    deps.metrics.count(METRICS.denials, 1, { reason: "unknown-project" });
    throw new ValidationError(`projectId: ${body.projectId} is not in the allow-list (${config.PROJECTS.join(", ") || "none configured"}).`, ERROR_CODES.unknownProject);
  }
  const tierSettings = config.TIERS[body.tier];
  if (!tierSettings) throw new ValidationError(`tier: ${body.tier} is not enabled in this environment.`, "InvalidRequest");
  if (body.durationMinutes > tierSettings.maxDurationMinutes) {
    throw new ValidationError(`durationMinutes: the ${body.tier} tier allows at most ${tierSettings.maxDurationMinutes} minutes.`, "InvalidRequest");
  }
  const startMs = body.start ? Date.parse(body.start) : now.getTime();
  if (startMs < now.getTime() - 5 * 60_000) throw new ValidationError("start: must not be in the past.", "InvalidRequest");
  if (startMs > now.getTime() + 7 * 24 * 3600_000) throw new ValidationError("start: must be within the next 7 days.", "InvalidRequest");
  const cidrs = body.cidrs ?? config.DEFAULT_CIDRS;
  if (cidrs.length === 0) throw new ValidationError("cidrs: list the networks you will work from; no default is configured.", "InvalidRequest");
  // The requester may narrow the allowed networks, never widen them: 0.0.0.0/1 + 128.0.0.0/1 would
  // otherwise make stolen credentials work from anywhere.
  const outside = body.cidrs?.findIndex((c) => !cidrWithin(c, config.DEFAULT_CIDRS)) ?? -1;
  if (outside >= 0) {
    throw new ValidationError(`cidrs.${outside}: ${body.cidrs![outside]} is not inside the allowed networks (${config.DEFAULT_CIDRS.join(", ")}).`, "InvalidRequest");
  }

  const start = new Date(Math.max(startMs, now.getTime())).toISOString().replace(/\.\d{3}Z$/, "Z");
  const end = new Date(Date.parse(start) + body.durationMinutes * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const pending = approvalsNeeded(deps, body.tier) > 0;
  const grant: Grant = {
    id: newGrantId(),
    projectId: body.projectId,
    requester: caller.arn,
    sourceIdentity: caller.sourceIdentity,
    ...(caller.userId ? { requesterUserId: caller.userId } : {}),
    tier: body.tier,
    reason: body.reason,
    start,
    end,
    cidrs: [...cidrs],
    externalId: randomBytes(24).toString("base64url"),
    status: pending ? "PENDING_APPROVAL" : "ACTIVE",
    ...(pending ? { approvalExpiresAt: new Date(Math.min(now.getTime() + config.APPROVAL_EXPIRY_MINUTES * 60_000, Date.parse(end))).toISOString() } : {}),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await deps.store.create(grant);
  deps.metrics.count(METRICS.requests, 1, { tier: grant.tier });
  const requested = audit(deps, grant.id, "requested", caller.arn, { tier: grant.tier, projectId: grant.projectId, start, end, reason: grant.reason });

  if (!pending) {
    // The audit record and the role do not depend on each other: write one while IAM creates the other.
    const [, provisioned] = await Promise.all([requested, provision(deps, grant, caller)]);
    return provisioned;
  }
  await requested;
  await deps.notifyApprovers(
    `Role request ${grant.id} (${grant.tier}) waits for approval`,
    [
      `${caller.arn} asks for ${grant.tier} access to project ${grant.projectId}`,
      `from ${start} to ${end}, networks ${grant.cidrs.join(", ")}.`,
      `Reason: ${grant.reason}`,
      `Approve: iam-role-vendor approve ${grant.id}    Deny: iam-role-vendor deny ${grant.id} --reason "..."`,
      `The request expires unanswered at ${grant.approvalExpiresAt}.`,
    ].join("\n"),
  );
  return grant;
}

/** Renders the tier template, validates the role's policies and creates the role: ACTIVE with its ARN, or FAILED. */
export async function provision(deps: VendorDeps, grant: Grant, caller: Pick<Caller, "trustPrincipal" | "userId">): Promise<Grant> {
  const { config } = deps;
  const started = performance.now();
  const roleName = vendedRoleName(config.NAME_PREFIX, grant.id);
  const fail = async (code: string, message: string, status: number): Promise<never> => {
    await deps.store.transition(grant.id, { from: ["ACTIVE"], to: "FAILED", now: deps.now(), set: { decisionReason: message } });
    await audit(deps, grant.id, "failed", "vendor", { message });
    throw new HttpError(status, code, message);
  };
  let trust, permissions;
  try {
    const template = renderTemplate(await deps.templates.get(grant.tier), {
      account_id: config.ACCOUNT_ID,
      project_id: grant.projectId,
      grant_id: grant.id,
      user_id: grant.sourceIdentity,
      region: config.AWS_REGION,
    });
    const input = { requesterArn: caller.trustPrincipal, sourceIdentity: grant.sourceIdentity, externalId: grant.externalId, cidrs: grant.cidrs, start: grant.start, end: grant.end };
    trust = trustPolicy(input);
    if (caller.userId) {
      // A role session: the trust policy names the account and pins the exact session with aws:userid.
      for (const s of trust.Statement) s.Condition = { ...s.Condition, StringEquals: { ...(s.Condition?.StringEquals ?? {}), "aws:userid": caller.userId } };
    }
    permissions = permissionsPolicy(template, grant);
  } catch (error) {
    return fail(ERROR_CODES.invalidPolicy, `The ${grant.tier} template cannot be rendered: ${(error as Error).message}. An administrator must fix the template.`, 502);
  }
  const problems = validateRolePolicies(grant.tier, trust, permissions);
  if (problems.length > 0) return fail(ERROR_CODES.invalidPolicy, `The role's policies are invalid: ${problems.join("; ")}.`, 400);

  const sessionSeconds = maxSessionSeconds(grant.start, grant.end);
  let roleArn: string;
  try {
    roleArn = await createVendedRole(deps.iam, {
      roleName,
      path: vendingPath(config.NAME_PREFIX),
      trust,
      permissions,
      boundaryArn: boundaryPolicyArn(config.ACCOUNT_ID, config.NAME_PREFIX, grant.tier),
      maxSessionSeconds: sessionSeconds,
      tags: { "grant-id": grant.id, requester: grant.requester.slice(0, 256), tier: grant.tier, end: grant.end, project: grant.projectId },
      description: `Vended for ${grant.sourceIdentity}: ${grant.tier} on ${grant.projectId} until ${grant.end} (grant ${grant.id})`,
    });
  } catch (error) {
    deps.logger.error("role creation failed", { grantId: grant.id, error: error as Error });
    return fail(ERROR_CODES.provisioningFailed, `IAM refused to create the role (${(error as Error).name}: ${(error as Error).message}); try again or ask an administrator.`, 502);
  }
  roleArn ||= `arn:aws:iam::${config.ACCOUNT_ID}:role${vendingPath(config.NAME_PREFIX)}${roleName}`;
  const elapsed = performance.now() - started;
  const [stored] = await Promise.all([
    deps.store.setRole(grant.id, roleArn, sessionSeconds, deps.now()),
    audit(deps, grant.id, "granted", "vendor", { roleArn, maxSessionSeconds: sessionSeconds, provisioningMs: Math.round(elapsed) }),
  ]);
  if (!stored) {
    // Revoked (or otherwise ended) while IAM created the role: revocation found no role to delete,
    // so delete it now rather than leave it assumable until cleanup's orphan pass.
    let roleDeleted = false;
    try {
      await revokeSessions(deps.iam, roleName, deps.now());
      roleDeleted = await deleteVendedRole(deps.iam, roleName);
    } catch (error) {
      deps.logger.error("role of a grant revoked during provisioning left for cleanup", { grantId: grant.id, error: error as Error });
    }
    await audit(deps, grant.id, "revoked", "vendor", { reason: "grant left ACTIVE while its role was created", roleDeleted });
    const current = await deps.store.get(grant.id);
    throw new HttpError(409, ERROR_CODES.conflict, `Grant ${grant.id} became ${current?.status ?? "unknown"} while its role was created; the role was deleted.`);
  }
  const updated = stored;
  deps.metrics.count(METRICS.grants, 1, { tier: grant.tier });
  deps.metrics.milliseconds(METRICS.provisioningTimeMs, elapsed);
  if (grant.tier === "break-glass") {
    deps.metrics.count(METRICS.breakGlassGrants);
    deps.logger.warn("break-glass grant", { grantId: grant.id, requester: grant.requester, reason: grant.reason });
  }
  return updated;
}

/** GET /grants/{id}: the owner, approvers and admins. */
export async function getGrant(deps: VendorDeps, caller: Caller, id: string): Promise<Grant> {
  const grant = await load(deps, id);
  if (!isOwner(grant, caller) && !(await isApprover(deps, caller)) && !(await isAdmin(deps, caller))) {
    throw forbidden(`Grant ${id} belongs to another user; only its owner, approvers and admins may read it.`);
  }
  return withEffectiveStatus(grant, deps.now());
}

/** GET /grants: your own grants; approvers and admins may ask for another user's or filter by status. */
export async function listGrants(deps: VendorDeps, caller: Caller, query: ListGrantsQuery): Promise<Grant[]> {
  const now = deps.now();
  const privileged = (query.user !== undefined && query.user !== caller.arn) || (query.status !== undefined && query.user === undefined);
  const mayList = !privileged || (await isApprover(deps, caller)) || (await isAdmin(deps, caller));
  let grants: Grant[];
  if (query.user !== undefined && query.user !== caller.arn) {
    if (!mayList) throw forbidden("user: only approvers and admins may list another user's grants.");
    grants = await deps.store.listByRequester(query.user);
  } else if (query.user === undefined && query.status !== undefined && mayList) {
    // EXPIRED includes ACTIVE grants past their end that cleanup has not marked yet.
    grants = await deps.store.listByStatus(query.status);
    if (query.status === "EXPIRED") grants = [...grants, ...(await deps.store.listByStatus("ACTIVE", { endingBy: now.toISOString() }))];
  } else {
    grants = await deps.store.listByRequester(caller.arn);
  }
  return grants
    .map((g) => withEffectiveStatus(g, now))
    .filter((g) => (query.status === undefined || g.status === query.status) && (query.tier === undefined || g.tier === query.tier))
    .slice(0, query.limit ?? 100);
}

async function requireApprover(deps: VendorDeps, caller: Caller, grant: Grant): Promise<void> {
  if (!(await isApprover(deps, caller))) throw forbidden("Only approvers (from settings or the approver group) may approve or deny requests.");
  const sameIdentity = principalIdentityArn(grant.requester) === caller.identityArn && grant.sourceIdentity === caller.sourceIdentity;
  if (grant.requester === caller.arn || sameIdentity) {
    deps.metrics.count(METRICS.denials, 1, { reason: "self-approval" });
    throw new HttpError(403, ERROR_CODES.selfApproval, "Nobody approves or denies their own request; ask another approver.");
  }
}

function conflict(grant: Grant, now: Date, wanted: string): HttpError {
  return new HttpError(409, ERROR_CODES.conflict, `Grant ${grant.id} is ${effectiveStatus(grant, now)}; only a PENDING_APPROVAL grant can be ${wanted}.`);
}

/** POST /grants/{id}/approve */
export async function approveGrant(deps: VendorDeps, caller: Caller, id: string, reason?: string): Promise<Grant> {
  const grant = await load(deps, id);
  await requireApprover(deps, caller, grant);
  const now = deps.now();
  if (effectiveStatus(grant, now) !== "PENDING_APPROVAL") throw conflict(grant, now, "approved");
  const approved = await deps.store.transition(id, { from: ["PENDING_APPROVAL"], to: "ACTIVE", now, set: { approver: caller.arn, ...(reason ? { decisionReason: reason } : {}) } });
  if (!approved) throw conflict((await deps.store.get(id)) ?? grant, now, "approved");
  await audit(deps, id, "approved", caller.arn, reason ? { reason } : undefined);
  return provision(deps, approved, trustPrincipalOf(grant));
}

/** POST /grants/{id}/deny */
export async function denyGrant(deps: VendorDeps, caller: Caller, id: string, reason?: string): Promise<Grant> {
  const grant = await load(deps, id);
  await requireApprover(deps, caller, grant);
  const now = deps.now();
  const denied = await deps.store.transition(id, { from: ["PENDING_APPROVAL"], to: "DENIED", now, set: { approver: caller.arn, decisionReason: reason ?? "denied by approver" } });
  if (!denied) throw conflict(grant, now, "denied");
  deps.metrics.count(METRICS.denials, 1, { reason: "approver" });
  await audit(deps, id, "denied", caller.arn, { reason: reason ?? "denied by approver" });
  return denied;
}

/**
 * DELETE /grants/{id}: the owner, an approver or an admin. Marks the grant REVOKED, denies every
 * session issued before now (aws:TokenIssueTime) and deletes the role. If IAM fails after the
 * status change, cleanup deletes the role on its next run (a REVOKED grant's role is an orphan).
 */
export async function revokeGrant(deps: VendorDeps, caller: Caller, id: string): Promise<Grant> {
  const grant = await load(deps, id);
  if (!isOwner(grant, caller) && !(await isApprover(deps, caller)) && !(await isAdmin(deps, caller))) {
    throw forbidden(`Grant ${id} belongs to another user; only its owner, approvers and admins may revoke it.`);
  }
  const now = deps.now();
  const revoked = await deps.store.transition(id, { from: ["ACTIVE", "PENDING_APPROVAL"], to: "REVOKED", now, set: { decisionReason: `revoked by ${caller.arn}` } });
  if (!revoked) throw new HttpError(409, ERROR_CODES.conflict, `Grant ${id} is ${grant.status}; only ACTIVE or PENDING_APPROVAL grants can be revoked.`);
  let roleDeleted = false;
  if (grant.roleArn) {
    const roleName = vendedRoleName(deps.config.NAME_PREFIX, id);
    try {
      await revokeSessions(deps.iam, roleName, now);
      roleDeleted = await deleteVendedRole(deps.iam, roleName);
    } catch (error) {
      deps.logger.error("revocation left the role for cleanup", { grantId: id, error: error as Error });
    }
  }
  await audit(deps, id, "revoked", caller.arn, { roleDeleted });
  return revoked;
}
