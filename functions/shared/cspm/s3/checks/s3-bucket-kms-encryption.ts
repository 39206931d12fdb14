import { type Check, type CheckMetadata, result } from "../../check";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const KMS_ALGORITHMS = new Set(["aws:kms", "aws:kms:dsse"]);

const metadata: CheckMetadata = {
  id: "s3_bucket_kms_encryption",
  title: "S3 bucket default encryption uses KMS keys (SSE-KMS or DSSE-KMS)",
  severity: "MEDIUM",
  securityHubControl: "S3.17",
  resourceType: "AwsS3Bucket",
  description: "SSE-S3 (AES256) encrypts with keys S3 manages; SSE-KMS and DSSE-KMS add key policies, CloudTrail records of key use and the option to revoke access by disabling the key.",
  remediation: {
    text: "aws s3api put-bucket-encryption --bucket <bucket> --server-side-encryption-configuration '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\",\"KMSMasterKeyID\":\"<key-arn>\"},\"BucketKeyEnabled\":true}]}'",
    url: securityHubUrl("S3.17"),
  },
};

/** KMS keys named by the bucket's default encryption (empty when it uses SSE-S3 or the AWS managed key aws/s3). */
export function defaultEncryptionKeyIds(rules: readonly { ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string } }[] | null): string[] {
  const ids = (rules ?? [])
    .map((r) => r.ApplyServerSideEncryptionByDefault)
    .filter((d) => d && KMS_ALGORITHMS.has(d.SSEAlgorithm ?? "") && d.KMSMasterKeyID)
    .map((d) => d!.KMSMasterKeyID!);
  return [...new Set(ids)];
}

export const s3BucketKmsEncryption: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket }) {
    const enc = bucket.encryption;
    if (!enc.ok) return notAvailable(metadata, enc, "bucket's default encryption");
    const defaults = (enc.value ?? []).map((r) => r.ApplyServerSideEncryptionByDefault).filter((d) => d !== undefined);
    if (defaults.length === 0) return result(metadata, "FAILED", `Bucket ${bucket.name} has no default encryption configuration.`);
    const algorithms = defaults.map((d) => d.SSEAlgorithm ?? "");
    if (!algorithms.every((a) => KMS_ALGORITHMS.has(a))) {
      return result(metadata, "FAILED", `Bucket ${bucket.name} encrypts by default with ${algorithms.join(", ")} (SSE-S3), not with a KMS key.`, {
        details: { algorithms },
      });
    }
    const keys = defaultEncryptionKeyIds(enc.value);
    const keyText = keys.length > 0 ? keys.join(", ") : "the AWS managed key aws/s3";
    const kind = algorithms.includes("aws:kms:dsse") ? "DSSE-KMS" : "SSE-KMS";
    return result(metadata, "PASSED", `Bucket ${bucket.name} encrypts by default with ${kind} using ${keyText}.`, {
      details: { algorithms, kmsKeyIds: keys, bucketKeyEnabled: (enc.value ?? []).some((r) => r.BucketKeyEnabled === true) },
    });
  },
};
