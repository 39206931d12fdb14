/**
 * The role-vending policies, as pure data: the vended role's trust and permission policies, the
 * revocation deny, the tier permission boundaries, the vendor's own IAM permissions, template
 * rendering and validation. Used by the vendor at run time and by the stack at synth (boundaries
 * and the vendor's role), and evaluated by evaluate.ts in the tests.
 */
import { parsePolicy, statementCoversAction, type Policy } from "./policy";

export type VendingTier = "read-only" | "developer" | "admin" | "break-glass";
export const VENDING_TIERS: readonly VendingTier[] = ["read-only", "developer", "admin", "break-glass"];

/** IAM's limits we check before calling IAM (characters, whitespace excluded as IAM counts them). */
export const IAM_LIMITS = { trustPolicyChars: 2048, inlinePoliciesChars: 10240, managedPolicyChars: 6144, roleNameChars: 64 } as const;

/**
 * What every tier boundary denies: IAM identity changes, boundary removal or edits, Organizations,
 * KMS key deletion/disabling, stopping or deleting CloudTrail, disabling GuardDuty, Config and
 * Security Hub. Patterns as written in the boundaries.
 */
export const BOUNDARY_DENIED_PATTERNS: readonly string[] = [
  "iam:Create*", "iam:Delete*", "iam:Put*", "iam:Attach*", "iam:Detach*", "iam:Update*", "iam:Add*", "iam:Remove*",
  "iam:Set*", "iam:Upload*", "iam:Change*", "iam:Enable*", "iam:Deactivate*", "iam:Resync*", "iam:Tag*", "iam:Untag*", "iam:PassRole",
  "organizations:*",
  "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy",
  "cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors", "cloudtrail:DeleteEventDataStore",
  "guardduty:DeleteDetector", "guardduty:UpdateDetector", "guardduty:Disassociate*", "guardduty:DeleteMembers", "guardduty:StopMonitoringMembers",
  "config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel", "config:DeleteConfigRule",
  "securityhub:DisableSecurityHub", "securityhub:Disassociate*", "securityhub:DeleteMembers", "securityhub:BatchDisableStandards", "securityhub:DisableImportFindingsForProduct",
];

/** Concrete forbidden actions: every one must be denied by every boundary (tested), and no rendered template may allow one. */
export const FORBIDDEN_ACTIONS: readonly string[] = [
  "iam:CreateUser", "iam:CreateRole", "iam:DeleteRole", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:PutRolePolicy", "iam:PutUserPolicy",
  "iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy",
  "iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary", "iam:UpdateAssumeRolePolicy",
  "iam:AddUserToGroup", "iam:PassRole", "iam:TagRole",
  "organizations:LeaveOrganization", "organizations:DeleteOrganization", "organizations:DetachPolicy",
  "kms:ScheduleKeyDeletion", "kms:DisableKey",
  "cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
  "guardduty:DeleteDetector", "guardduty:UpdateDetector",
  "config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder",
  "securityhub:DisableSecurityHub",
];

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

const doc = (statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

// ---------------------------------------------------------------------------------------------
// Names

/** The IAM path of one environment's vended roles, e.g. `/role-vending/csp-dev/`. */
export function vendingPath(namePrefix: string): string {
  return `/role-vending/${namePrefix}/`;
}

/** The managed policy name of a tier boundary. */
export function boundaryPolicyName(namePrefix: string, tier: VendingTier): string {
  return `${namePrefix}-boundary-${tier}`;
}

export function boundaryPolicyArn(accountId: string, namePrefix: string, tier: VendingTier, partition = "aws"): string {
  return `arn:${partition}:iam::${accountId}:policy${vendingPath(namePrefix)}${boundaryPolicyName(namePrefix, tier)}`;
}

/** The vended role's name: `<namePrefix>-<grantId>` (≤ 64 characters). */
export function vendedRoleName(namePrefix: string, grantId: string): string {
  return `${namePrefix}-${grantId}`.slice(0, IAM_LIMITS.roleNameChars);
}

export function vendedRoleArn(accountId: string, namePrefix: string, grantId: string, partition = "aws"): string {
  return `arn:${partition}:iam::${accountId}:role${vendingPath(namePrefix)}${vendedRoleName(namePrefix, grantId)}`;
}

// ---------------------------------------------------------------------------------------------
// The vended role

export interface GrantPolicyInput {
  /** The requester's IAM principal ARN (a user, or the role of a role session). */
  readonly requesterArn: string;
  /** The STS source identity the session must set (the requester's user or session name). */
  readonly sourceIdentity: string;
  readonly externalId: string;
  readonly cidrs: readonly string[];
  /** ISO-8601. */
  readonly start: string;
  readonly end: string;
}

/**
 * Trust policy: only the requester, only with MFA, only from the allowed CIDRs, only with the
 * grant's external id, only between start and end, and the session's source identity must be the
 * requester (sts:SetSourceIdentity is allowed for exactly that value).
 */
export function trustPolicy(input: GrantPolicyInput): PolicyDocument {
  return doc([
    {
      Sid: "RequesterWithMfaFromAllowedNetworksDuringGrant",
      Effect: "Allow",
      Principal: { AWS: input.requesterArn },
      Action: "sts:AssumeRole",
      Condition: {
        Bool: { "aws:MultiFactorAuthPresent": "true" },
        IpAddress: { "aws:SourceIp": [...input.cidrs] },
        StringEquals: { "sts:ExternalId": input.externalId, "sts:SourceIdentity": input.sourceIdentity },
        DateGreaterThanEquals: { "aws:CurrentTime": input.start },
        DateLessThan: { "aws:CurrentTime": input.end },
      },
    },
    {
      Sid: "SourceIdentityIsTheRequester",
      Effect: "Allow",
      Principal: { AWS: input.requesterArn },
      Action: "sts:SetSourceIdentity",
      Condition: { StringEquals: { "sts:SourceIdentity": input.sourceIdentity } },
    },
  ]);
}

/**
 * The role's permissions: the rendered tier template plus a deny of everything after the grant's
 * end and of everything from outside the allowed CIDRs (unless an AWS service calls on the
 * caller's behalf). `aws:SourceIp` is absent for calls through a VPC endpoint, so those are denied
 * too: grants are for people on the listed networks.
 */
export function permissionsPolicy(template: PolicyDocument, input: Pick<GrantPolicyInput, "cidrs" | "end">): PolicyDocument {
  return doc([
    ...template.Statement.filter((s) => s.Effect === "Allow"),
    ...template.Statement.filter((s) => s.Effect === "Deny"),
    { Sid: "DenyAfterGrantEnd", Effect: "Deny", Action: "*", Resource: "*", Condition: { DateGreaterThan: { "aws:CurrentTime": input.end } } },
    {
      Sid: "DenyOutsideAllowedNetworks",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { NotIpAddress: { "aws:SourceIp": [...input.cidrs] }, Bool: { "aws:ViaAWSService": "false" } },
    },
  ]);
}

/** The inline policy revocation adds first: every session issued before `now` is denied (the console's "revoke active sessions"). */
export const REVOKE_POLICY_NAME = "AWSRevokeOlderSessions";
export function revokeOlderSessionsPolicy(now: string): PolicyDocument {
  return doc([{ Sid: "RevokeOlderSessions", Effect: "Deny", Action: "*", Resource: "*", Condition: { DateLessThan: { "aws:TokenIssueTime": now } } }]);
}

/** The name of the vended role's inline permission policy. */
export const PERMISSIONS_POLICY_NAME = "grant-permissions";

/** AssumeRole's DurationSeconds cap for the role: min(12 h, grant length), at least the 1-hour minimum IAM accepts. */
export function maxSessionSeconds(startIso: string, endIso: string): number {
  const grantSeconds = Math.floor((Date.parse(endIso) - Date.parse(startIso)) / 1000);
  return Math.max(3600, Math.min(12 * 3600, grantSeconds));
}

// ---------------------------------------------------------------------------------------------
// Boundaries

/** What each tier's boundary allows (before the common denies). */
const BOUNDARY_ALLOWS: Record<VendingTier, Statement> = {
  "read-only": {
    Sid: "ReadOnly",
    Effect: "Allow",
    Action: ["ec2:Describe*", "s3:List*", "s3:Get*", "logs:Describe*", "logs:Get*", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "lambda:Get*", "lambda:List*", "dynamodb:Describe*", "dynamodb:List*", "dynamodb:GetItem", "dynamodb:Query", "iam:Get*", "iam:List*", "cloudformation:Describe*", "cloudformation:Get*", "cloudformation:List*", "tag:GetResources", "sts:GetCallerIdentity"],
    Resource: "*",
  },
  developer: {
    Sid: "DeveloperServices",
    Effect: "Allow",
    Action: ["ec2:Describe*", "s3:*", "logs:*", "cloudwatch:*", "lambda:*", "dynamodb:*", "sqs:*", "sns:*", "events:*", "states:*", "cloudformation:*", "iam:Get*", "iam:List*", "tag:GetResources", "sts:GetCallerIdentity", "xray:*", "ssm:Get*", "ssm:Describe*"],
    Resource: "*",
  },
  // Admin tiers allow everything except what the common denies name; the denies are repeated
  // below so a mistake in this NotAction cannot widen the boundary.
  admin: { Sid: "EverythingButForbidden", Effect: "Allow", NotAction: [...BOUNDARY_DENIED_PATTERNS], Resource: "*" },
  "break-glass": { Sid: "EverythingButForbidden", Effect: "Allow", NotAction: [...BOUNDARY_DENIED_PATTERNS], Resource: "*" },
};

/**
 * What a vended session must never do to the role-vending subsystem itself, whose resources are all
 * named `<subsystemPrefix>-…`: invoking the vendor directly (a hand-made API Gateway event names any
 * caller, e.g. an approver), changing its code or environment (approvals, approvers), writing the
 * grant table or the templates, silencing its alarms, topics, rules or logs. Without this a developer
 * grant (lambda:*, dynamodb:*, s3:*) becomes an admin or break-glass grant.
 */
export function vendingSubsystemDeny(subsystemPrefix: string): Statement {
  const p = subsystemPrefix;
  return {
    Sid: "DenyChangesToRoleVending",
    Effect: "Deny",
    Action: [
      "lambda:*", "dynamodb:*", "s3:*", "sns:*", "sqs:*", "events:*", "scheduler:*",
      "cloudwatch:DeleteAlarms", "cloudwatch:DisableAlarmActions", "cloudwatch:PutMetricAlarm", "cloudwatch:PutCompositeAlarm", "cloudwatch:SetAlarmState",
      "logs:Delete*", "logs:Put*", "logs:Create*", "logs:Associate*", "logs:Disassociate*", "logs:Untag*", "logs:Tag*",
    ],
    Resource: [
      `arn:*:lambda:*:*:function:${p}-*`,
      `arn:*:dynamodb:*:*:table/${p}-*`,
      `arn:*:s3:::${p}-*`,
      `arn:*:sns:*:*:${p}-*`,
      `arn:*:sqs:*:*:${p}-*`,
      `arn:*:events:*:*:rule/${p}-*`,
      `arn:*:scheduler:*:*:schedule/*/${p}-*`,
      `arn:*:cloudwatch:*:*:alarm:${p}-*`,
      `arn:*:logs:*:*:log-group:/aws/lambda/${p}-*`,
      `arn:*:logs:*:*:log-group:/aws/apigateway/${p}-*`,
    ],
  };
}

/**
 * A tier's permissions boundary: its allow plus the common denies (identity changes, boundary edits,
 * security services) and, given the subsystem's resource prefix, no changes to role vending itself.
 */
export function boundaryPolicy(tier: VendingTier, subsystemPrefix?: string): PolicyDocument {
  return doc([
    BOUNDARY_ALLOWS[tier],
    { Sid: "DenyIdentityAndSecurityServiceChanges", Effect: "Deny", Action: [...BOUNDARY_DENIED_PATTERNS], Resource: "*" },
    ...(subsystemPrefix ? [vendingSubsystemDeny(subsystemPrefix)] : []),
  ]);
}

// ---------------------------------------------------------------------------------------------
// The vendor's own IAM permissions

export interface VendorPolicyInput {
  readonly accountId: string;
  readonly namePrefix: string;
  readonly partition?: string;
  /** IAM groups whose members the vendor must look up (approvers, admins). */
  readonly groupNames?: readonly string[];
}

/**
 * The vendor's IAM statements: create and change roles only under the vending path and only with
 * a tier boundary (iam:PermissionsBoundary; actions without that key are limited by the path),
 * never remove a boundary or edit a boundary policy, never pass a role.
 */
export function vendorIamStatements(input: VendorPolicyInput): (Statement & { Action: string | string[] })[] {
  const partition = input.partition ?? "aws";
  const path = vendingPath(input.namePrefix);
  const roles = `arn:${partition}:iam::${input.accountId}:role${path}*`;
  const boundaries = VENDING_TIERS.map((t) => boundaryPolicyArn(input.accountId, input.namePrefix, t, partition));
  const statements: (Statement & { Action: string | string[] })[] = [
    {
      Sid: "CreateVendedRolesOnlyWithTierBoundary",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePolicy"],
      Resource: roles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundaries } },
    },
    {
      Sid: "TagReadAndDeleteVendedRoles",
      Effect: "Allow",
      Action: ["iam:TagRole", "iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRole"],
      Resource: roles,
    },
    // ListRoles and GetAccountSummary support no resource-level permissions.
    { Sid: "ListRolesAndQuota", Effect: "Allow", Action: ["iam:ListRoles", "iam:GetAccountSummary"], Resource: "*" },
    {
      Sid: "DenyRoleWritesWithoutTierBoundary",
      Effect: "Deny",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
      Resource: "*",
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundaries } },
    },
    { Sid: "DenyBoundaryRemoval", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"], Resource: "*" },
    {
      Sid: "DenyBoundaryPolicyEdits",
      Effect: "Deny",
      Action: ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion", "iam:DeletePolicy"],
      Resource: boundaries,
    },
    { Sid: "DenyPassRole", Effect: "Deny", Action: "iam:PassRole", Resource: "*" },
  ];
  if (input.groupNames && input.groupNames.length > 0) {
    statements.splice(3, 0, {
      Sid: "ReadApproverGroups",
      Effect: "Allow",
      Action: "iam:GetGroup",
      Resource: input.groupNames.map((g) => `arn:${partition}:iam::${input.accountId}:group/${g}`),
    });
  }
  return statements;
}

// ---------------------------------------------------------------------------------------------
// Templates

export const TEMPLATE_VARIABLES = ["account_id", "project_id", "grant_id", "user_id", "region"] as const;
export type TemplateVariables = Record<(typeof TEMPLATE_VARIABLES)[number], string>;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}

/**
 * Renders a mustache-style template (`{{account_id}}`, `{{ project_id }}`): every variable must be
 * known, values are JSON-escaped (they land inside JSON strings), and the result must parse.
 */
export function renderTemplate(text: string, variables: TemplateVariables): PolicyDocument {
  const rendered = text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, name: string) => {
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) throw new TemplateError(`unknown template variable {{${name}}}; known: ${TEMPLATE_VARIABLES.join(", ")}`);
    return JSON.stringify(variables[name as keyof TemplateVariables]).slice(1, -1);
  });
  if (/\{\{|\}\}/.test(rendered)) throw new TemplateError("the template has an unclosed or malformed {{variable}}");
  let parsed: unknown;
  try {
    parsed = JSON.parse(rendered);
  } catch (error) {
    throw new TemplateError(`the rendered template is not valid JSON: ${(error as Error).message}`);
  }
  const p = parsed as PolicyDocument;
  if (!p || typeof p !== "object" || !Array.isArray(p.Statement)) throw new TemplateError("the rendered template is not a policy document with a Statement list");
  return p;
}

/** IAM counts policy size without whitespace. */
export function policySize(policy: PolicyDocument): number {
  return JSON.stringify(policy).length;
}

const deniedCache = new Map<VendingTier, readonly string[]>();

/** The forbidden actions a tier's boundary denies (computed once per tier: the boundaries are constants). */
function deniedByBoundaryOf(tier: VendingTier): readonly string[] {
  let denied = deniedCache.get(tier);
  if (!denied) {
    const boundary = parsePolicy(boundaryPolicy(tier));
    denied = FORBIDDEN_ACTIONS.filter((a) => boundary.statements.some((s) => s.effect === "Deny" && statementCoversAction(s, a)));
    deniedCache.set(tier, denied);
  }
  return denied;
}

/**
 * Validates the role's policies before IAM sees them: parseable by the policy engine, within IAM's
 * size limits, and no Allow of an action the tier boundary denies. Returns problems (empty = valid).
 */
export function validateRolePolicies(tier: VendingTier, trust: PolicyDocument, permissions: PolicyDocument): string[] {
  const problems: string[] = [];
  let parsed: Policy | undefined;
  try {
    parsePolicy(trust);
    parsed = parsePolicy(permissions);
  } catch (error) {
    problems.push(`not a valid policy: ${(error as Error).message}`);
  }
  if (policySize(trust) > IAM_LIMITS.trustPolicyChars) problems.push(`trust policy is ${policySize(trust)} characters; IAM's limit is ${IAM_LIMITS.trustPolicyChars} (list fewer CIDRs)`);
  if (policySize(permissions) > IAM_LIMITS.inlinePoliciesChars) problems.push(`permissions policy is ${policySize(permissions)} characters; IAM's limit is ${IAM_LIMITS.inlinePoliciesChars}`);
  if (parsed) {
    const deniedByBoundary = deniedByBoundaryOf(tier);
    for (const s of parsed.statements.filter((x) => x.effect === "Allow")) {
      const bad = deniedByBoundary.filter((a) => statementCoversAction(s, a));
      if (bad.length > 0) problems.push(`statement ${s.sid ?? `#${s.index}`} allows ${bad.slice(0, 3).join(", ")}${bad.length > 3 ? ", ..." : ""}, which the ${tier} boundary denies`);
    }
  }
  return problems;
}
