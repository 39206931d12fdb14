import { compliant, defineRule, nonCompliant } from "./rule";
import { block } from "./support/stack-model";

export default defineRule({
  id: "eventbridge-target-dead-lettered",
  expects: "Every EventBridge target has a dead-letter queue (dead_letter_config.arn).",
  why: "Events EventBridge cannot deliver after its retries (throttling, a missing permission) are otherwise dropped silently.",
  fix: "Give EventTrigger deadLetterQueue (a SecureQueue that allows the rule to send).",
  level: "error",
  resourceTypes: ["aws_cloudwatch_event_target"],
  check(target) {
    const dlq = block(target.config.dead_letter_config)?.arn;
    return dlq ? compliant(`undeliverable events go to ${dlq}`) : nonCompliant("set dead_letter_config.arn to an SQS queue (EventTrigger deadLetterQueue)");
  },
});
