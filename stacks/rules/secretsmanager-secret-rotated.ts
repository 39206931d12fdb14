import { compliant, defineRule, nonCompliant } from "./rule";
import { block } from "./support/stack-model";

export default defineRule({
  id: "secretsmanager-secret-rotated",
  expects: "An aws_secretsmanager_secret_rotation for the secret (a rotation function or managed rotation) with a schedule.",
  why: "A credential that never rotates stays valid forever after it leaks.",
  fix: "Add aws_secretsmanager_secret_rotation with rotation_lambda_arn and rotation_rules (automatically_after_days or schedule_expression).",
  level: "error",
  resourceTypes: ["aws_secretsmanager_secret"],
  check(secret, stack) {
    const rotation = stack.referrers(secret, "aws_secretsmanager_secret_rotation", "secret_id").find((r) => {
      const rules = block(r.config.rotation_rules);
      return rules?.automatically_after_days || rules?.schedule_expression;
    });
    return rotation ? compliant(`rotated by ${rotation.path}`) : nonCompliant("add aws_secretsmanager_secret_rotation with a rotation function and rotation_rules");
  },
});
