import { type Check, type CheckMetadata, result } from "../../check";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_object_lock_enabled",
  title: "S3 bucket has Object Lock enabled",
  severity: "MEDIUM",
  securityHubControl: "S3.15",
  resourceType: "AwsS3Bucket",
  description: "Object Lock stores objects write-once-read-many, protecting them from deletion or overwrite for a retention period.",
  remediation: {
    text: "aws s3api put-object-lock-configuration --bucket <bucket> --object-lock-configuration '{\"ObjectLockEnabled\":\"Enabled\",\"Rule\":{\"DefaultRetention\":{\"Mode\":\"GOVERNANCE\",\"Days\":30}}}' (requires versioning)",
    url: securityHubUrl("S3.15"),
  },
};

export const s3BucketObjectLockEnabled: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket }) {
    const lock = bucket.objectLock;
    if (!lock.ok) return notAvailable(metadata, lock, "bucket's Object Lock configuration");
    if (lock.value?.ObjectLockEnabled === "Enabled") {
      const retention = lock.value.Rule?.DefaultRetention;
      const text = retention ? ` with default ${retention.Mode} retention of ${retention.Days ?? retention.Years} ${retention.Days ? "days" : "years"}` : " without default retention";
      return result(metadata, "PASSED", `Bucket ${bucket.name} has Object Lock enabled${text}.`, { details: { mode: retention?.Mode } });
    }
    return result(metadata, "FAILED", `Bucket ${bucket.name} does not have Object Lock enabled.`);
  },
};
