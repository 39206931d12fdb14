/**
 * The S3 checks, in report order. The account check runs once per scan; bucket checks once per bucket.
 */
import type { Check, CheckMetadata } from "../../check";
import { s3AccountLevelPublicAccessBlocks } from "./s3-account-level-public-access-blocks";
import { s3BucketAclsDisabled } from "./s3-bucket-acls-disabled";
import { s3BucketCrossAccountAccess } from "./s3-bucket-cross-account-access";
import { s3BucketCrossRegionReplication } from "./s3-bucket-cross-region-replication";
import { s3BucketEventNotificationsEnabled } from "./s3-bucket-event-notifications-enabled";
import { s3BucketKmsEncryption } from "./s3-bucket-kms-encryption";
import { s3BucketLevelPublicAccessBlock } from "./s3-bucket-level-public-access-block";
import { s3BucketLifecycleConfigured } from "./s3-bucket-lifecycle-configured";
import { s3BucketMfaDeleteEnabled } from "./s3-bucket-mfa-delete-enabled";
import { s3BucketObjectLockEnabled } from "./s3-bucket-object-lock-enabled";
import { s3BucketPublicRead } from "./s3-bucket-public-read";
import { s3BucketPublicWrite } from "./s3-bucket-public-write";
import { s3BucketSecureTransportPolicy } from "./s3-bucket-secure-transport-policy";
import { s3BucketSseCBlocked } from "./s3-bucket-sse-c-blocked";
import { s3BucketServerAccessLoggingEnabled } from "./s3-bucket-server-access-logging-enabled";
import { s3BucketVersioningEnabled } from "./s3-bucket-versioning-enabled";
import type { AccountCheckInput, BucketCheckInput } from "./types";

export const ACCOUNT_CHECKS: readonly Check<AccountCheckInput>[] = [s3AccountLevelPublicAccessBlocks];

export const BUCKET_CHECKS: readonly Check<BucketCheckInput>[] = [
  s3BucketLevelPublicAccessBlock,
  s3BucketPublicRead,
  s3BucketPublicWrite,
  s3BucketSecureTransportPolicy,
  s3BucketCrossAccountAccess,
  s3BucketKmsEncryption,
  s3BucketSseCBlocked,
  s3BucketVersioningEnabled,
  s3BucketMfaDeleteEnabled,
  s3BucketServerAccessLoggingEnabled,
  s3BucketAclsDisabled,
  s3BucketObjectLockEnabled,
  s3BucketLifecycleConfigured,
  s3BucketEventNotificationsEnabled,
  s3BucketCrossRegionReplication,
];

const BY_ID = new Map<string, CheckMetadata>([...ACCOUNT_CHECKS, ...BUCKET_CHECKS].map((c) => [c.metadata.id, c.metadata]));

/** Metadata of an S3 check by id (the ASFF builder's lookup). */
export function s3CheckMetadata(checkId: string): CheckMetadata | undefined {
  return BY_ID.get(checkId);
}
