/**
 * Contract of the KMS audit API (API Gateway REST, IAM auth, POST only): its routes, request and
 * response bodies, error codes and the KMS auditor function's environment. The KMS auditor
 * validates requests with these schemas, the S3 auditor's client builds its requests from them
 * and parses the answers with them, the stack takes the route names from here and the docs quote
 * them. A leaf module: it imports nothing but zod (the tree-shakable `zod/mini`, so each bundle
 * carries only what it uses).
 */
import * as z from "zod/mini";

/** Route name (one path segment) per operation; the stack builds exactly these resources. */
export const KMS_AUDIT_ROUTES = { health: "health", auditKey: "audit-key", keyInfo: "key-info" } as const;
export type KmsAuditRoute = (typeof KMS_AUDIT_ROUTES)[keyof typeof KMS_AUDIT_ROUTES];
/** Every route, in the order the stack declares them. */
export const KMS_AUDIT_ROUTE_NAMES: readonly KmsAuditRoute[] = [KMS_AUDIT_ROUTES.health, KMS_AUDIT_ROUTES.auditKey, KMS_AUDIT_ROUTES.keyInfo];
/** Every route is a POST. */
export const KMS_AUDIT_METHOD = "POST";

/** An AWS region name such as eu-west-1 or us-gov-west-1. */
export const REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

const keyId = z.string().check(z.minLength(1, "must not be empty"), z.maxLength(2048, "is too long"));
const region = z.string().check(z.regex(REGION_PATTERN, "must be an AWS region name such as eu-west-1"));
const accountId = z.string().check(z.regex(ACCOUNT_ID_PATTERN, "must be a 12-digit AWS account id"));

// ---- Requests -------------------------------------------------------------------------------

export const healthRequest = z.strictObject({ action: z.optional(z.literal("health")) });

export const auditKeyRequest = z.strictObject({
  action: z.literal("audit_key"),
  /** A key id, key ARN, alias name (`alias/...`) or alias ARN. */
  key_id: keyId,
  account_id: z.optional(accountId),
  region: z.optional(region),
  additional_params: z.optional(
    z.strictObject({
      /** Accounts whose access to the key is expected (kms_key_cross_account_access). */
      trusted_accounts: z.optional(z.array(accountId).check(z.maxLength(100))),
    }),
  ),
});

export const keyInfoRequest = z.strictObject({
  action: z.literal("get_key_info"),
  key_id: keyId,
  account_id: z.optional(accountId),
  region: z.optional(region),
});

export type HealthRequest = z.infer<typeof healthRequest>;
export type AuditKeyRequest = z.infer<typeof auditKeyRequest>;
export type KeyInfoRequest = z.infer<typeof keyInfoRequest>;

/** The body of `POST /audit-key` for one key: what every client sends. */
export function auditKeyBody(keyRef: string, options: { readonly region?: string; readonly accountId?: string; readonly trustedAccounts?: readonly string[] } = {}): AuditKeyRequest {
  return {
    action: "audit_key",
    key_id: keyRef,
    ...(options.accountId !== undefined ? { account_id: options.accountId } : {}),
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.trustedAccounts !== undefined ? { additional_params: { trusted_accounts: [...options.trustedAccounts] } } : {}),
  };
}

// ---- Responses ------------------------------------------------------------------------------

export const CHECK_STATUSES = ["PASSED", "FAILED", "WARNING", "NOT_APPLICABLE", "NOT_AVAILABLE"] as const;
export const SEVERITIES = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;

/** One check's result. NOT_AVAILABLE (with `errorCode`) means the data could not be read: never a pass. */
export const checkResult = z.object({
  checkId: z.string().check(z.minLength(1)),
  status: z.enum(CHECK_STATUSES),
  reason: z.string(),
  severity: z.optional(z.enum(SEVERITIES)),
  errorCode: z.optional(z.string()),
  details: z.optional(z.record(z.string(), z.unknown())),
});

/** `POST /audit-key` 200: the key and one result per check (NOT_AVAILABLE where AWS did not answer). */
export const auditKeyResponse = z.object({
  keyId: z.string().check(z.minLength(1)),
  /** Empty when DescribeKey did not answer for an id or alias (the ARN is unknown). */
  keyArn: z.string(),
  region: z.string().check(z.minLength(1)),
  /** Empty when neither DescribeKey nor the request named the account. */
  accountId: z.string(),
  facts: z.record(z.string(), z.unknown()),
  results: z.array(checkResult),
});

export const healthResponse = z.object({
  status: z.literal("ok"),
  version: z.string(),
  region: z.string(),
  checks: z.array(z.string()),
});

/** `POST /key-info` 200: DescribeKey essentials, aliases, rotation, tags (each part may carry an `error`). */
export const keyInfoResponse = z.looseObject({
  keyId: z.string(),
  keyArn: z.string(),
  region: z.string(),
  keyState: z.optional(z.string()),
  aliases: z.union([z.array(z.string()), z.object({ error: z.object({ code: z.optional(z.string()), message: z.optional(z.string()) }) })]),
  rotation: z.record(z.string(), z.unknown()),
  tags: z.union([z.record(z.string(), z.string()), z.object({ error: z.object({ code: z.optional(z.string()), message: z.optional(z.string()) }) })]),
});

export type CheckResultBody = z.infer<typeof checkResult>;
export type AuditKeyResponse = z.infer<typeof auditKeyResponse>;
export type HealthResponse = z.infer<typeof healthResponse>;
export type KeyInfoResponse = z.infer<typeof keyInfoResponse>;

// ---- Errors ---------------------------------------------------------------------------------

/** Every answer other than 200: `{"error":{"code","message"},"requestId"}` (functions/shared/platform/http.ts). */
export const errorResponse = z.object({
  error: z.object({ code: z.string().check(z.minLength(1)), message: z.string() }),
  requestId: z.string(),
});
export type ErrorResponse = z.infer<typeof errorResponse>;

/**
 * Error codes the API answers with, by status. 502 carries the AWS error code of the KMS call
 * that failed (AccessDeniedException, ThrottlingException, ...), never the raw AWS message.
 */
export const KMS_AUDIT_ERROR_CODES = {
  400: ["InvalidJson", "InvalidRequest", "InvalidEvent", "InvalidKeyId", "InvalidRegion", "InvalidAccountId", "RegionMismatch", "AccountMismatch", "RegionNotAllowed"],
  403: ["CrossAccountKey"],
  404: ["RouteNotFound", "KeyNotFound"],
  405: ["MethodNotAllowed"],
  413: ["PayloadTooLarge"],
  500: ["InternalError"],
} as const;
export type KmsAuditErrorCode = (typeof KMS_AUDIT_ERROR_CODES)[keyof typeof KMS_AUDIT_ERROR_CODES][number];

// ---- The KMS auditor function ---------------------------------------------------------------

/** The KMS auditor's environment, parsed once at cold start (parseEnv); the stack sets it by these names. */
export const kmsAuditorEnv = z.object({
  /** Set by Lambda. */
  AWS_REGION: region,
  /** The deployed package version, answered by /health. */
  SERVICE_VERSION: z._default(z.string(), "0.0.0-dev"),
  /** Comma-separated regions requests may name (the settings' audit regions); unset: every region of the function's partition. */
  AUDIT_REGIONS: z.optional(z.string()),
  POWERTOOLS_SERVICE_NAME: z.optional(z.string()),
  POWERTOOLS_LOG_LEVEL: z.optional(z.string()),
});
export type KmsAuditorEnv = z.infer<typeof kmsAuditorEnv>;
export type KmsAuditorEnvName = keyof z.input<typeof kmsAuditorEnv>;
/** The service name in the KMS auditor's logs. */
export const KMS_AUDITOR_SERVICE = "kms-auditor";
