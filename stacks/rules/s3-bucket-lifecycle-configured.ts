import { compliant, defineRule, nonCompliant } from "./rule";
import { blocks } from "./support/stack-model";

export default defineRule({
  id: "s3-bucket-lifecycle-configured",
  expects: "An aws_s3_bucket_lifecycle_configuration with at least one Enabled rule (e.g. expiring noncurrent versions, aborting incomplete uploads).",
  why: "With versioning on and no lifecycle, old versions and abandoned multipart uploads are kept (and paid for) forever.",
  fix: "Use PrivateBucket (noncurrentVersionExpirationDays), or add aws_s3_bucket_lifecycle_configuration with an Enabled rule.",
  level: "error",
  resourceTypes: ["aws_s3_bucket"],
  check(bucket, stack) {
    const enabled = stack.referrers(bucket, "aws_s3_bucket_lifecycle_configuration", "bucket").some((l) => blocks(l.config.rule).some((r) => r.status === "Enabled"));
    return enabled ? compliant("a lifecycle rule is enabled") : nonCompliant("add aws_s3_bucket_lifecycle_configuration with an Enabled rule for this bucket");
  },
});
