/**
 * The role-vending API contract: routes, request and response schemas, error codes, the
 * functions' environment and metric names. Imported by the API function, the cleanup, event and
 * report functions, the `iam-role-vendor` CLI, the stack and the tests. Imports only zod.
 */
import * as z from "zod";

export const TIERS = ["read-only", "developer", "admin", "break-glass"] as const;
export type Tier = (typeof TIERS)[number];

export const GRANT_STATUSES = ["PENDING_APPROVAL", "ACTIVE", "DENIED", "REVOKED", "EXPIRED", "FAILED"] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

/** Shortest and longest grant, in minutes (15 minutes to 36 hours). */
export const MIN_DURATION_MINUTES = 15;
export const MAX_DURATION_MINUTES = 36 * 60;
/** Requests per user and minute (atomic counter in DynamoDB); over it the API answers 429 with Retry-After. */
export const RATE_LIMIT_PER_MINUTE = 100;
/** IAM path every vended role lives under; the vendor may create roles nowhere else. */
export const VENDING_PATH_PREFIX = "/role-vending/";

const CIDR_ERROR = "must be an IPv4 or IPv6 CIDR such as 203.0.113.0/24 (not /0)";
const anyCidr = z.union([z.cidrv4(), z.cidrv6()]);

/**
 * An IPv4 or IPv6 CIDR such as `203.0.113.0/24`; `/0` (everyone) is refused. zod's own CIDR
 * checks: a hand-written IPv6 pattern let `1:2:3/64` through to IAM, which refused the policy (a 502).
 */
export const cidr = z.string().refine((v) => anyCidr.safeParse(v).success && !/\/0+$/.test(v), { error: CIDR_ERROR });

export const projectId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, { error: "must be 2 to 40 lower-case letters, digits or dashes" });
export const grantId = z.string().regex(/^g-[0-9a-f]{20}$/, { error: "must be a grant id such as g-0123456789abcdef0123" });

/**
 * POST /grants. The requester is the API's authenticated caller, never a body field: unknown
 * fields (e.g. `requester`, `principal`) are dropped, not honoured.
 */
export const createGrantRequest = z.object({
  projectId,
  tier: z.enum(TIERS, { error: `must be one of ${TIERS.join(", ")}` }),
  durationMinutes: z
    .number({ error: "must be a number of minutes" })
    .int({ error: "must be a whole number of minutes" })
    .min(MIN_DURATION_MINUTES, { error: `must be at least ${MIN_DURATION_MINUTES} minutes` })
    .max(MAX_DURATION_MINUTES, { error: `must be at most ${MAX_DURATION_MINUTES} minutes (36 hours)` }),
  reason: z.string({ error: "is required" }).trim().min(10, { error: "must be at least 10 characters" }).max(500, { error: "must be at most 500 characters" }),
  /** ISO-8601; defaults to now. At most 7 days ahead. */
  start: z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time such as 2030-01-01T09:00:00Z" }).optional(),
  cidrs: z.array(cidr).min(1, { error: "must list at least one CIDR" }).max(20, { error: "must list at most 20 CIDRs" }).optional(),
});
export type CreateGrantRequest = z.infer<typeof createGrantRequest>;

export const decisionRequest = z.object({
  reason: z.string().trim().max(500, { error: "must be at most 500 characters" }).optional(),
});
export type DecisionRequest = z.infer<typeof decisionRequest>;

/** GET /grants query: approvers and admins may filter by user; everybody else sees their own grants. */
export const listGrantsQuery = z.object({
  user: z.string().regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:.+$/, { error: "must be an IAM principal ARN" }).optional(),
  status: z.enum(GRANT_STATUSES, { error: `must be one of ${GRANT_STATUSES.join(", ")}` }).optional(),
  tier: z.enum(TIERS, { error: `must be one of ${TIERS.join(", ")}` }).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
export type ListGrantsQuery = z.infer<typeof listGrantsQuery>;

export const grant = z.object({
  id: grantId,
  projectId,
  requester: z.string(),
  /** The STS source identity the session must carry (the requester's user or session name). */
  sourceIdentity: z.string(),
  /** For role-session requesters: `AROA...:session`, pinned with aws:userid in the trust policy. */
  requesterUserId: z.string().optional(),
  tier: z.enum(TIERS),
  reason: z.string(),
  start: z.string(),
  end: z.string(),
  cidrs: z.array(z.string()),
  externalId: z.string(),
  status: z.enum(GRANT_STATUSES),
  approver: z.string().optional(),
  decisionReason: z.string().optional(),
  roleArn: z.string().optional(),
  /** Seconds; what AssumeRole may ask for (the end-time deny cuts earlier). */
  maxSessionSeconds: z.number().optional(),
  approvalExpiresAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Grant = z.infer<typeof grant>;

export const grantResponse = z.object({ grant });
export const listGrantsResponse = z.object({ grants: z.array(grant) });
export type ListGrantsResponse = z.infer<typeof listGrantsResponse>;

export const errorResponse = z.object({ error: z.object({ code: z.string(), message: z.string() }), requestId: z.string() });

/** The API's routes as API Gateway resource paths (the stack builds exactly these). */
export const ROUTES = {
  createGrant: { method: "POST", path: "/grants" },
  listGrants: { method: "GET", path: "/grants" },
  getGrant: { method: "GET", path: "/grants/{id}" },
  approveGrant: { method: "POST", path: "/grants/{id}/approve" },
  denyGrant: { method: "POST", path: "/grants/{id}/deny" },
  revokeGrant: { method: "DELETE", path: "/grants/{id}" },
} as const;
export type RouteName = keyof typeof ROUTES;

/** Error codes the API answers with (besides the platform's InvalidJson, InvalidRequest, RouteNotFound). */
export const ERROR_CODES = {
  rateLimited: "RateLimited",
  forbidden: "Forbidden",
  notFound: "GrantNotFound",
  conflict: "GrantStateConflict",
  unknownProject: "UnknownProject",
  selfApproval: "SelfApproval",
  invalidPolicy: "InvalidRenderedPolicy",
  provisioningFailed: "ProvisioningFailed",
  unauthenticated: "Unauthenticated",
} as const;

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      const parsed = schema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data as z.output<T>;
      ctx.addIssue({ code: "custom", message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
    } catch {
      ctx.addIssue({ code: "custom", message: "must be JSON" });
    }
    return z.NEVER;
  });
const csv = (item: z.ZodType<string, string>) =>
  z
    .string()
    .default("")
    .transform((s) => s.split(",").map((x) => x.trim()).filter((x) => x !== ""))
    .pipe(z.array(item));

export const tierSettings = z.object({
  /** Approvals needed before the role is created (0 = none). Break-glass always 0. */
  approvals: z.number().int().min(0).max(1),
  /** Longest grant for this tier, minutes. */
  maxDurationMinutes: z.number().int().min(MIN_DURATION_MINUTES).max(MAX_DURATION_MINUTES),
});
export type TierSettings = z.infer<typeof tierSettings>;

/** Environment of every role-vending function (the stack sets these names). */
export const roleVendingEnv = z.object({
  AWS_REGION: z.string().min(1),
  ACCOUNT_ID: z.string().regex(/^\d{12}$/),
  NAME_PREFIX: z.string().min(1),
  GRANTS_TABLE: z.string().min(1),
  TEMPLATE_BUCKET: z.string().min(1),
  REPORT_BUCKET: z.string().min(1),
  APPROVAL_TOPIC_ARN: z.string().min(1),
  /** JSON: { tier: { approvals, maxDurationMinutes } } */
  TIERS: json(z.record(z.enum(TIERS), tierSettings)),
  /** Comma-separated IAM principal ARNs allowed to approve. */
  APPROVERS: csv(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(user|role)\/.+$/)),
  /** An IAM group whose members may approve (optional). */
  APPROVER_GROUP: z.string().default(""),
  /** An IAM group whose members may list, revoke and read every grant (optional). */
  ADMIN_GROUP: z.string().default(""),
  APPROVAL_EXPIRY_MINUTES: z.coerce.number().int().min(5).max(7 * 24 * 60),
  DEFAULT_CIDRS: csv(cidr),
  PROJECTS: csv(projectId),
});
export type RoleVendingEnv = z.output<typeof roleVendingEnv>;
export const ROLE_VENDING_ENV_NAMES = Object.keys(roleVendingEnv.shape) as (keyof RoleVendingEnv)[];

/** Powertools metrics: namespace, service and names (the stack's alarms watch exactly these). */
export const METRICS = {
  namespace: "CloudSecurityPlatform/RoleVending",
  service: "role-vending",
  requests: "Requests",
  grants: "Grants",
  denials: "Denials",
  provisioningTimeMs: "ProvisioningTime",
  failedAssumptions: "FailedAssumptions",
  sessionSeconds: "SessionLength",
  breakGlassGrants: "BreakGlassGrants",
  breakGlassUses: "BreakGlassUses",
  cleanupErrors: "CleanupErrors",
  roleQuotaUsedPercent: "RoleQuotaUsedPercent",
  expired: "GrantsExpired",
} as const;

/** The grant table's key schema (pk/sk), indexes and TTL attribute: the store and the stack both read these. */
export const GRANT_TABLE_INDEXES = {
  byRequester: { name: "by-requester", partition: "requester", sort: "createdAt" },
  byStatusEnd: { name: "by-status-end", partition: "status", sort: "end" },
} as const;
export const GRANT_TABLE_TTL_ATTRIBUTE = "expiresAt";

/** The daily report's object keys in the report bucket. */
export const REPORT_KEYS = { latestJson: "reports/latest.json", latestCsv: "reports/latest.csv" } as const;

export const reportSchema = z.object({
  generatedAt: z.string(),
  activeGrants: z.array(grant),
  counts: z.object({ byTier: z.record(z.string(), z.number()), byProject: z.record(z.string(), z.number()) }),
  roleQuota: z.object({ roles: z.number(), quota: z.number() }).optional(),
});
export type Report = z.infer<typeof reportSchema>;
