import { compliant, defineRule, nonCompliant, notApplicable } from "./rule";
import { isCustomerKey } from "./support/kms";
import { block } from "./support/stack-model";

export default defineRule({
  id: "lambda-function-environment-encrypted",
  expects: "A function with environment variables sets kms_key_arn to a customer-managed key.",
  why: "With the AWS-managed key anyone with lambda:GetFunctionConfiguration reads the variables; a customer key adds a key policy and an audit trail.",
  fix: "Use NodeFunction (kmsKeyArn = its kmsKey), or set kms_key_arn.",
  level: "error",
  resourceTypes: ["aws_lambda_function"],
  check(fn, stack) {
    const variables = block(fn.config.environment)?.variables;
    if (!variables || (typeof variables === "object" && Object.keys(variables).length === 0)) return notApplicable("no environment variables");
    return isCustomerKey(fn.config.kms_key_arn, stack) ? compliant("environment encrypted with a customer-managed key") : nonCompliant("set kms_key_arn to the stack's customer-managed key");
  },
});
