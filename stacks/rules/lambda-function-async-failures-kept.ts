import { compliant, defineRule, nonCompliant, notApplicable } from "./rule";
import { asyncInvokers } from "./support/lambda";
import { block } from "./support/stack-model";

export default defineRule({
  id: "lambda-function-async-failures-kept",
  expects: "A function invoked asynchronously has a dead-letter queue or an on-failure destination (aws_lambda_function_event_invoke_config).",
  why: "Otherwise an event that still fails after Lambda's retries is dropped without a trace.",
  fix: "Give NodeFunction onFailure (e.g. the stack's AlarmTopic or a SecureQueue), or set dead_letter_config.",
  level: "error",
  resourceTypes: ["aws_lambda_function"],
  check(fn, stack) {
    const invokers = asyncInvokers(fn, stack);
    if (invokers.length === 0) return notApplicable("not invoked asynchronously in this stack");
    if (block(fn.config.dead_letter_config)?.target_arn) return compliant("dead-letter queue set");
    const destination = stack
      .ofType("aws_lambda_function_event_invoke_config")
      .find((c) => (stack.mentions(c.config.function_name, fn) || c.config.function_name === fn.config.function_name) && block(block(c.config.destination_config)?.on_failure)?.destination);
    if (destination) return compliant(`on-failure destination in ${destination.path} (instead of a dead-letter queue)`);
    return nonCompliant(`invoked asynchronously by ${invokers.join(", ")}: add an on-failure destination or a dead-letter queue`);
  },
});
