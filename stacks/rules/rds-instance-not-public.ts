import { compliant, defineRule, nonCompliant } from "./rule";
import { isTrue } from "./support/stack-model";

export default defineRule({
  id: "rds-instance-not-public",
  expects: "publicly_accessible false.",
  why: "A public instance gets an internet-resolvable address; one security-group mistake exposes the database.",
  fix: "Remove publicly_accessible (defaults to false) and reach the database through the VPC or RDS Proxy.",
  level: "error",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster_instance"],
  check(db) {
    return isTrue(db.config.publicly_accessible) ? nonCompliant("set publicly_accessible = false") : compliant("not publicly accessible");
  },
});
