import { compliant, defineRule, nonCompliant } from "./rule";
import { isCustomerKey } from "./support/kms";
import { block, isTrue } from "./support/stack-model";

export default defineRule({
  id: "dynamodb-table-kms-encrypted",
  expects: "Server-side encryption with a customer-managed key (server_side_encryption enabled with kms_key_arn).",
  why: "With the AWS-owned key, no key policy limits and no CloudTrail record shows who reads the table's data.",
  fix: "Set server_side_encryption { enabled = true, kms_key_arn = <stack key> }.",
  level: "error",
  resourceTypes: ["aws_dynamodb_table"],
  check(table, stack) {
    const sse = block(table.config.server_side_encryption);
    return isTrue(sse?.enabled) && isCustomerKey(sse?.kms_key_arn, stack) ? compliant("encrypted with a customer-managed key") : nonCompliant("set server_side_encryption.enabled = true and kms_key_arn to the stack's key");
  },
});
