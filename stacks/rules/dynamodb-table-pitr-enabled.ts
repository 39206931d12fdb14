import { compliant, defineRule, nonCompliant } from "./rule";
import { block, isTrue } from "./support/stack-model";

export default defineRule({
  id: "dynamodb-table-pitr-enabled",
  expects: "Point-in-time recovery enabled.",
  why: "Without it a bad write or delete cannot be rolled back to a moment before it.",
  fix: "Set point_in_time_recovery { enabled = true }.",
  level: "error",
  resourceTypes: ["aws_dynamodb_table"],
  check(table) {
    return isTrue(block(table.config.point_in_time_recovery)?.enabled) ? compliant("point-in-time recovery on") : nonCompliant("set point_in_time_recovery.enabled = true");
  },
});
