/**
 * The shapes the auditors hand to each other and to the findings pipeline. Kept in one leaf module
 * so the KMS auditor, the S3 auditor and the pipeline agree without importing each other.
 */
import type { CheckResult } from "./check";

/** One KMS key's audit: the answer of `POST /audit-key` and of `audit keys`. */
export interface KeyAudit {
  readonly keyId: string;
  readonly keyArn: string;
  readonly region: string;
  readonly accountId: string;
  /** DescribeKey essentials and whatever else the checks read (state, manager, spec, origin, ...). */
  readonly facts: Readonly<Record<string, unknown>>;
  readonly results: readonly CheckResult[];
}

/** One bucket's audit. */
export interface BucketAudit {
  readonly bucket: string;
  readonly region: string;
  readonly arn: string;
  /** KMS keys the bucket's default encryption names, as given by S3 (key ARN, key id or alias ARN). */
  readonly kmsKeyIds: readonly string[];
  readonly results: readonly CheckResult[];
}

/** A whole S3 audit run: what the CLI prints and the pipeline turns into findings. */
export interface S3AuditReport {
  readonly accountId: string;
  readonly partition: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** What was scanned: findings outside this scope are never archived. */
  readonly scope: { readonly buckets?: readonly string[]; readonly regions?: readonly string[] };
  /** Account-level results (S3.1) in the account's home region. */
  readonly account: { readonly region: string; readonly results: readonly CheckResult[] };
  readonly buckets: readonly BucketAudit[];
  /** Buckets that vanished while we scanned them (NoSuchBucket): their findings get archived. */
  readonly deletedBuckets: readonly string[];
  /** Errors that stopped part of the scan (not per-check NOT_AVAILABLE results). */
  readonly errors: readonly { readonly bucket?: string; readonly code: string; readonly message: string }[];
  /** AWS API calls made, for figures. */
  readonly apiCalls: number;
}
