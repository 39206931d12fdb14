import { type Check, type CheckMetadata, result } from "../../check";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_lifecycle_configured",
  title: "S3 bucket has an enabled lifecycle rule",
  severity: "LOW",
  securityHubControl: "S3.13",
  resourceType: "AwsS3Bucket",
  description: "Lifecycle rules expire or transition objects, so data is not kept longer (or more expensively) than needed.",
  remediation: { text: "aws s3api put-bucket-lifecycle-configuration --bucket <bucket> --lifecycle-configuration file://lifecycle.json", url: securityHubUrl("S3.13") },
};

export const s3BucketLifecycleConfigured: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket }) {
    const lifecycle = bucket.lifecycle;
    if (!lifecycle.ok) return notAvailable(metadata, lifecycle, "bucket's lifecycle configuration");
    const rules = lifecycle.value ?? [];
    const enabled = rules.filter((r) => r.Status === "Enabled");
    if (enabled.length > 0) return result(metadata, "PASSED", `Bucket ${bucket.name} has ${enabled.length} enabled lifecycle rule(s).`);
    const reason = rules.length > 0 ? `Bucket ${bucket.name} has lifecycle rules, but all are disabled.` : `Bucket ${bucket.name} has no lifecycle configuration.`;
    return result(metadata, "FAILED", reason);
  },
};
