import { compliant, defineRule, nonCompliant } from "./rule";

export default defineRule({
  id: "rds-backups-kept-7-days",
  expects: "backup_retention_period of at least 7 days.",
  why: "Shorter retention leaves too little time to notice corruption and restore from before it.",
  fix: "Set backup_retention_period = 7 (or more).",
  level: "error",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster"],
  check(db) {
    const days = Number(db.config.backup_retention_period ?? (db.type === "aws_rds_cluster" ? 1 : 0));
    return days >= 7 ? compliant(`backups kept ${days} days`) : nonCompliant(`set backup_retention_period to at least 7 (now ${days})`);
  },
});
