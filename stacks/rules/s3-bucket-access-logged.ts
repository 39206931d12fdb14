import { compliant, defineRule, nonCompliant } from "./rule";

/** Tag on a bucket that states why it has no server access logs (PrivateBucket's noAccessLogsReason sets it). */
export const NO_ACCESS_LOGS_TAG = "access-logs-not-needed-because";

export default defineRule({
  id: "s3-bucket-access-logged",
  expects: "Server access logging to another bucket, or the bucket is itself an access-log target, or a tag stating why no access logs are needed.",
  why: "Without access logs there is no record of who read or changed objects (CloudTrail data events cost extra and are often off).",
  fix: `Give PrivateBucket accessLogBucket, or state the reason with noAccessLogsReason (tag ${NO_ACCESS_LOGS_TAG}).`,
  level: "error",
  resourceTypes: ["aws_s3_bucket"],
  check(bucket, stack) {
    if (stack.referrers(bucket, "aws_s3_bucket_logging", "bucket").length > 0) return compliant("server access logging is configured");
    if (stack.ofType("aws_s3_bucket_logging").some((l) => stack.mentions(l.config.target_bucket, bucket) || l.config.target_bucket === bucket.config.bucket)) {
      return compliant("the bucket receives other buckets' access logs");
    }
    const reason = (bucket.config.tags as Record<string, string> | undefined)?.[NO_ACCESS_LOGS_TAG];
    if (typeof reason === "string" && reason.trim().length >= 10) return compliant(`no access logs, because ${reason}`);
    return nonCompliant(`add aws_s3_bucket_logging for this bucket, or tag it ${NO_ACCESS_LOGS_TAG} with the reason`);
  },
});
