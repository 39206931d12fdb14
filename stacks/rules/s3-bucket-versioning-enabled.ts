import { compliant, defineRule, nonCompliant } from "./rule";
import { block, blocks, isTrue } from "./support/stack-model";

export default defineRule({
  id: "s3-bucket-versioning-enabled",
  expects: "Versioning status Enabled (aws_s3_bucket_versioning).",
  why: "Without versions an overwrite or delete (by mistake or ransomware) cannot be undone.",
  fix: "Use PrivateBucket, or add aws_s3_bucket_versioning with versioning_configuration.status \"Enabled\".",
  level: "error",
  resourceTypes: ["aws_s3_bucket"],
  check(bucket, stack) {
    const separate = stack.referrers(bucket, "aws_s3_bucket_versioning", "bucket").some((v) => blocks(v.config.versioning_configuration).some((c) => c.status === "Enabled"));
    const inline = isTrue(block(bucket.config.versioning)?.enabled);
    return separate || inline ? compliant("versioning is enabled") : nonCompliant("add aws_s3_bucket_versioning with status Enabled for this bucket");
  },
});
