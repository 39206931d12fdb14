/**
 * SSE-C (server-side encryption with customer-provided keys) lets anyone who may write to a bucket
 * re-encrypt its objects with a key only they hold: the pattern of ransomware that overwrites data
 * with SSE-C and deletes the key. S3 lets a general purpose bucket refuse SSE-C uploads with
 * `BlockedEncryptionTypes` in its default encryption configuration (GetBucketEncryption returns it
 * on the rule) and is making that the default for new buckets. A bucket without it accepts SSE-C.
 */
import { type Check, type CheckMetadata, result } from "../../check";
import { type BucketCheckInput, notAvailable } from "./types";

const SSE_C = "SSE-C";

const metadata: CheckMetadata = {
  id: "s3_bucket_sse_c_blocked",
  title: "S3 bucket blocks uploads encrypted with customer-provided keys (SSE-C)",
  severity: "MEDIUM",
  resourceType: "AwsS3Bucket",
  description:
    "Passes when the bucket's default encryption configuration lists SSE-C in BlockedEncryptionTypes, so PutObject, CopyObject, PostObject, multipart uploads and replication with SSE-C are refused. A bucket that accepts SSE-C lets anyone with write access re-encrypt objects with a key the owner never sees.",
  remediation: {
    text: 'aws s3api put-bucket-encryption --bucket <bucket> --server-side-encryption-configuration \'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"<key-arn>"},"BucketKeyEnabled":true,"BlockedEncryptionTypes":{"EncryptionType":["SSE-C"]}}]}\' (keep the bucket\'s current default encryption in the same call: it replaces the whole configuration)',
    url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/blocking-unblocking-s3-c-encryption-gpb.html",
  },
};

/** What one rule says about SSE-C, read defensively: the field arrives from AWS, a snapshot or an older SDK. */
export type SseCState = "blocked" | "accepted" | "unreadable";

/**
 * Reads `BlockedEncryptionTypes.EncryptionType` of one encryption rule: a list containing `SSE-C`
 * blocks it; an absent field, an empty list or `["NONE"]` accepts it; anything else (not an object,
 * values that are not strings) cannot be read.
 */
export function sseCState(rule: unknown): SseCState {
  if (typeof rule !== "object" || rule === null) return "unreadable";
  const blocked: unknown = (rule as Record<string, unknown>).BlockedEncryptionTypes;
  if (blocked === undefined || blocked === null) return "accepted";
  if (typeof blocked !== "object" || Array.isArray(blocked)) return "unreadable";
  const raw: unknown = (blocked as Record<string, unknown>).EncryptionType;
  if (raw === undefined || raw === null) return "accepted";
  const types: unknown[] = Array.isArray(raw) ? raw : [raw];
  if (!types.every((t): t is string => typeof t === "string")) return "unreadable";
  return types.includes(SSE_C) ? "blocked" : "accepted";
}

export const s3BucketSseCBlocked: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket }) {
    const enc = bucket.encryption;
    if (!enc.ok) return notAvailable(metadata, enc, "bucket's encryption configuration");
    const rules: readonly unknown[] = enc.value ?? [];
    if (rules.length === 0) return result(metadata, "FAILED", `Bucket ${bucket.name} has no encryption configuration, so nothing blocks SSE-C uploads.`);
    const states = rules.map(sseCState);
    if (states.includes("blocked")) return result(metadata, "PASSED", `Bucket ${bucket.name} blocks uploads encrypted with SSE-C (BlockedEncryptionTypes).`);
    if (states.includes("unreadable")) {
      return result(metadata, "NOT_AVAILABLE", `Cannot tell whether bucket ${bucket.name} blocks SSE-C: its BlockedEncryptionTypes could not be read.`, {
        errorCode: "UnreadableBlockedEncryptionTypes",
      });
    }
    return result(metadata, "FAILED", `Bucket ${bucket.name} accepts uploads encrypted with SSE-C: its encryption configuration does not list SSE-C in BlockedEncryptionTypes.`);
  },
};
