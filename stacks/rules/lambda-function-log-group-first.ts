import { compliant, defineRule, nonCompliant } from "./rule";
import { block } from "./support/stack-model";

export default defineRule({
  id: "lambda-function-log-group-first",
  expects: "The function's log group exists in the stack with retention and a KMS key, and the function depends on it.",
  why: "Otherwise Lambda creates the group on first invocation: unencrypted, kept forever, and outside Terraform.",
  fix: "Use NodeFunction, which creates /aws/lambda/<name> with retention and the stack key and makes the function depend on it.",
  level: "error",
  resourceTypes: ["aws_lambda_function"],
  check(fn, stack) {
    const name = (block(fn.config.logging_config)?.log_group as string | undefined) ?? `/aws/lambda/${fn.config.function_name}`;
    const group = stack.ofType("aws_cloudwatch_log_group").find((g) => g.config.name === name || stack.mentions(name, g));
    if (!group) return nonCompliant(`create the log group ${name} in the stack (retention, kms_key_id) before the function`);
    const missing = [
      group.config.retention_in_days ? undefined : "retention_in_days",
      group.config.kms_key_id ? undefined : "kms_key_id",
      stack.dependsOn(fn, group) ? undefined : `depends_on ${group.address}`,
    ].filter(Boolean);
    return missing.length ? nonCompliant(`set ${missing.join(", ")} (log group ${group.path})`) : compliant(`log group ${name} with retention and KMS, created first`);
  },
});
