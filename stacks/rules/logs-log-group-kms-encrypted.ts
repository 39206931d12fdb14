import { compliant, defineRule, nonCompliant } from "./rule";
import { isCustomerKey } from "./support/kms";

export default defineRule({
  id: "logs-log-group-kms-encrypted",
  expects: "kms_key_id names a customer-managed key.",
  why: "Logs carry request details and identifiers; a customer key limits who can read them and records it.",
  fix: "Set kms_key_id to the stack's SecureKmsKey and call allowCloudWatchLogs(<log group name>) on it (NodeFunction and IamRestApi do).",
  level: "error",
  resourceTypes: ["aws_cloudwatch_log_group"],
  check(group, stack) {
    return isCustomerKey(group.config.kms_key_id, stack) ? compliant("encrypted with a customer-managed key") : nonCompliant("set kms_key_id to the stack's customer-managed key");
  },
});
