import { compliant, defineRule, nonCompliant } from "./rule";
import { isTrue } from "./support/stack-model";

export default defineRule({
  id: "rds-iam-auth-enabled",
  expects: "iam_database_authentication_enabled true.",
  why: "Without IAM auth every client holds a long-lived database password.",
  fix: "Set iam_database_authentication_enabled = true and connect with rds-db:connect tokens.",
  level: "error",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster"],
  check(db) {
    return isTrue(db.config.iam_database_authentication_enabled) ? compliant("IAM authentication on") : nonCompliant("set iam_database_authentication_enabled = true");
  },
});
