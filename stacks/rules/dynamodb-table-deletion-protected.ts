import { compliant, defineRule, nonCompliant } from "./rule";
import { isTrue } from "./support/stack-model";

export default defineRule({
  id: "dynamodb-table-deletion-protected",
  expects: "deletion_protection_enabled true.",
  why: "A mistaken destroy or rename of the resource deletes the table and its data.",
  fix: "Set deletion_protection_enabled = true.",
  level: "error",
  resourceTypes: ["aws_dynamodb_table"],
  check(table) {
    return isTrue(table.config.deletion_protection_enabled) ? compliant("deletion protection on") : nonCompliant("set deletion_protection_enabled = true");
  },
});
