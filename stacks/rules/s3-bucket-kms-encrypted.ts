import { compliant, defineRule, nonCompliant } from "./rule";
import { isCustomerKey } from "./support/kms";
import { blocks } from "./support/stack-model";

export default defineRule({
  id: "s3-bucket-kms-encrypted",
  expects: "Default encryption SSE-KMS (aws:kms or aws:kms:dsse) with a customer-managed key.",
  why: "With SSE-S3 or an AWS-managed key, key policy and CloudTrail cannot restrict or show who decrypts the data.",
  fix: "Use PrivateBucket with the stack's SecureKmsKey, or add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms and kms_master_key_id set to a customer key.",
  level: "error",
  resourceTypes: ["aws_s3_bucket"],
  check(bucket, stack) {
    const configs = stack.referrers(bucket, "aws_s3_bucket_server_side_encryption_configuration", "bucket");
    const rules = [...configs.flatMap((c) => blocks(c.config.rule)), ...blocks(bucket.config.server_side_encryption_configuration).flatMap((c) => blocks(c.rule))];
    const sse = rules.flatMap((r) => blocks(r.apply_server_side_encryption_by_default));
    if (sse.length === 0) return nonCompliant("add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms and a customer kms_master_key_id");
    const good = sse.find((s) => String(s.sse_algorithm).startsWith("aws:kms") && isCustomerKey(s.kms_master_key_id, stack));
    return good ? compliant("SSE-KMS with a customer-managed key") : nonCompliant("set sse_algorithm aws:kms and kms_master_key_id to a customer-managed key (not SSE-S3 or aws/s3)");
  },
});
