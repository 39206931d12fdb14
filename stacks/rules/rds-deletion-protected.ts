import { compliant, defineRule, nonCompliant } from "./rule";
import { isTrue } from "./support/stack-model";

export default defineRule({
  id: "rds-deletion-protected",
  expects: "deletion_protection true.",
  why: "A mistaken destroy deletes the database.",
  fix: "Set deletion_protection = true.",
  level: "error",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster"],
  check(db) {
    return isTrue(db.config.deletion_protection) ? compliant("deletion protection on") : nonCompliant("set deletion_protection = true");
  },
});
