import { type Check, type CheckMetadata, result } from "../../check";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_server_access_logging_enabled",
  title: "S3 bucket has server access logging enabled",
  severity: "MEDIUM",
  securityHubControl: "S3.9",
  resourceType: "AwsS3Bucket",
  description: "Server access logs record every request made to the bucket, for security and access audits. A bucket that receives access logs is not asked to log itself.",
  remediation: {
    text: "aws s3api put-bucket-logging --bucket <bucket> --bucket-logging-status '{\"LoggingEnabled\":{\"TargetBucket\":\"<log-bucket>\",\"TargetPrefix\":\"<bucket>/\"}}'",
    url: securityHubUrl("S3.9"),
  },
};

export const s3BucketServerAccessLoggingEnabled: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket, context }) {
    const logging = bucket.logging;
    if (!logging.ok) return notAvailable(metadata, logging, "bucket's logging configuration");
    if (logging.value?.TargetBucket) {
      return result(metadata, "PASSED", `Bucket ${bucket.name} logs access to ${logging.value.TargetBucket}.`, {
        details: { targetBucket: logging.value.TargetBucket, targetPrefix: logging.value.TargetPrefix ?? "" },
      });
    }
    const sources = context.logTargets.get(bucket.name)?.filter((s) => s !== bucket.name) ?? [];
    if (sources.length > 0) {
      // Logging the log bucket would log its own log deliveries; Security Hub suppresses it too.
      return result(metadata, "NOT_APPLICABLE", `Bucket ${bucket.name} is the access-log target of ${sources.join(", ")}.`, { details: { logSources: sources } });
    }
    return result(metadata, "FAILED", `Bucket ${bucket.name} has server access logging disabled.`);
  },
};
