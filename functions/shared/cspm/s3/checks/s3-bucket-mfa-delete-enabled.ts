import { type Check, type CheckMetadata, result } from "../../check";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_mfa_delete_enabled",
  title: "S3 bucket has MFA delete enabled",
  severity: "LOW",
  securityHubControl: "S3.20",
  resourceType: "AwsS3Bucket",
  description:
    "MFA delete requires the root user's MFA code to delete an object version or change the versioning state. S3 does not allow it together with a lifecycle configuration, so such buckets get no finding.",
  remediation: {
    text: "As the root user with MFA: aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa '<serial> <code>'",
    url: securityHubUrl("S3.20"),
  },
};

export const s3BucketMfaDeleteEnabled: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket }) {
    const v = bucket.versioning;
    if (!v.ok) return notAvailable(metadata, v, "bucket's versioning configuration");
    if (v.value.mfaDelete) return result(metadata, "PASSED", `Bucket ${bucket.name} has MFA delete enabled.`);
    const lifecycle = bucket.lifecycle;
    if (!lifecycle.ok) return notAvailable(metadata, lifecycle, "bucket's lifecycle configuration (MFA delete does not apply to buckets with one)");
    if (lifecycle.value !== null && lifecycle.value.length > 0) {
      return result(metadata, "NOT_APPLICABLE", `Bucket ${bucket.name} has a lifecycle configuration, which S3 does not allow together with MFA delete.`);
    }
    return result(metadata, "FAILED", `Bucket ${bucket.name} does not require MFA to delete object versions.`);
  },
};
