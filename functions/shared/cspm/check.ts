/**
 * The contract every CSPM check follows: metadata beside a pure function of already-fetched data.
 * Fetching is separate from judging, so checks are unit-tested on fixtures without AWS.
 */
export type Severity = "INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

/**
 * PASSED / FAILED / WARNING / NOT_AVAILABLE are ASFF compliance statuses. NOT_APPLICABLE is ours:
 * the check does not apply to this resource (the reason says why); it is never reported as a pass.
 * NOT_AVAILABLE means the data could not be read (the error code is in `errorCode`): never a pass.
 */
export type CheckStatus = "PASSED" | "FAILED" | "WARNING" | "NOT_APPLICABLE" | "NOT_AVAILABLE";

export type ResourceType = "AwsKmsKey" | "AwsS3Bucket" | "AwsAccount";

export interface CheckMetadata {
  /** Stable id, `service_resource_expectation`, e.g. `kms_key_rotation_enabled`. */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** The AWS Security Hub control this check corresponds to, e.g. `KMS.4`. */
  readonly securityHubControl?: string;
  readonly resourceType: ResourceType;
  readonly description: string;
  readonly remediation: { readonly text: string; readonly url?: string };
}

export interface CheckResult {
  readonly checkId: string;
  readonly status: CheckStatus;
  /** One sentence a human can act on. */
  readonly reason: string;
  /** Severity of this result when it differs from the metadata (e.g. a disabled key in use). */
  readonly severity?: Severity;
  /** The AWS error code when status is NOT_AVAILABLE. */
  readonly errorCode?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface Check<Input> {
  readonly metadata: CheckMetadata;
  evaluate(input: Input): CheckResult;
}

export function result(
  metadata: CheckMetadata,
  status: CheckStatus,
  reason: string,
  extra: Omit<CheckResult, "checkId" | "status" | "reason"> = {},
): CheckResult {
  return { checkId: metadata.id, status, reason, ...extra };
}

/** A value fetched from AWS, or the error code that stopped us from fetching it. */
export type Fetched<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errorCode: string; readonly message?: string };

export const SEVERITY_ORDER: readonly Severity[] = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
