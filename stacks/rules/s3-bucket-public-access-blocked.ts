import { compliant, defineRule, nonCompliant } from "./rule";
import { isTrue } from "./support/stack-model";

const FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const;

export default defineRule({
  id: "s3-bucket-public-access-blocked",
  expects: "An aws_s3_bucket_public_access_block for the bucket with all four flags true.",
  why: "Without all four flags one ACL or policy change makes the bucket or its objects public.",
  fix: "Use PrivateBucket (stacks/constructs/private-bucket.ts), or add aws_s3_bucket_public_access_block with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets true.",
  level: "error",
  resourceTypes: ["aws_s3_bucket"],
  check(bucket, stack) {
    const blocks = stack.referrers(bucket, "aws_s3_bucket_public_access_block", "bucket");
    if (blocks.length === 0) return nonCompliant("add an aws_s3_bucket_public_access_block for this bucket with all four flags true");
    const missing = FLAGS.filter((f) => !blocks.some((b) => isTrue(b.config[f])));
    return missing.length ? nonCompliant(`set ${missing.join(", ")} to true in ${blocks[0]!.path}`) : compliant("all four public access block flags are on");
  },
});
