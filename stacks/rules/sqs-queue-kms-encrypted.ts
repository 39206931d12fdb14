import { compliant, defineRule, nonCompliant } from "./rule";
import { isCustomerKey } from "./support/kms";

export default defineRule({
  id: "sqs-queue-kms-encrypted",
  expects: "kms_master_key_id names a customer-managed key (SQS-managed SSE does not count).",
  why: "SSE-SQS or alias/aws/sqs leaves no key policy of ours between a reader and the messages.",
  fix: "Use SecureQueue, or set kms_master_key_id to the stack's key.",
  level: "error",
  resourceTypes: ["aws_sqs_queue"],
  check(queue, stack) {
    return isCustomerKey(queue.config.kms_master_key_id, stack) ? compliant("encrypted with a customer-managed key") : nonCompliant("set kms_master_key_id to the stack's customer-managed key");
  },
});
