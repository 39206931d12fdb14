import { compliant, defineRule, nonCompliant } from "./rule";
import { isCustomerKey } from "./support/kms";

export default defineRule({
  id: "sns-topic-kms-encrypted",
  expects: "kms_master_key_id names a customer-managed key.",
  why: "Messages at rest are otherwise unencrypted or under alias/aws/sns, which no key policy of ours controls.",
  fix: "Use AlarmTopic, or set kms_master_key_id to the stack's key.",
  level: "error",
  resourceTypes: ["aws_sns_topic"],
  check(topic, stack) {
    return isCustomerKey(topic.config.kms_master_key_id, stack) ? compliant("encrypted with a customer-managed key") : nonCompliant("set kms_master_key_id to the stack's customer-managed key");
  },
});
