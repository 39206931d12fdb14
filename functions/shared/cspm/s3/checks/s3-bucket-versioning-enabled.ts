import { type Check, type CheckMetadata, result } from "../../check";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_versioning_enabled",
  title: "S3 bucket has versioning enabled",
  severity: "LOW",
  securityHubControl: "S3.14",
  resourceType: "AwsS3Bucket",
  description: "Versioning keeps every version of every object, so overwritten or deleted data can be recovered.",
  remediation: { text: "aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled", url: securityHubUrl("S3.14") },
};

export const s3BucketVersioningEnabled: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket }) {
    const v = bucket.versioning;
    if (!v.ok) return notAvailable(metadata, v, "bucket's versioning configuration");
    if (v.value.status === "Enabled") return result(metadata, "PASSED", `Bucket ${bucket.name} has versioning enabled.`);
    const state = v.value.status === "Suspended" ? "suspended" : "never enabled";
    return result(metadata, "FAILED", `Bucket ${bucket.name} has versioning ${state}.`, { details: { status: v.value.status ?? "Unversioned" } });
  },
};
