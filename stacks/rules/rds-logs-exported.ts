import { compliant, defineRule, nonCompliant } from "./rule";

export default defineRule({
  id: "rds-logs-exported",
  expects: "enabled_cloudwatch_logs_exports lists the engine's logs (e.g. postgresql, or audit/error).",
  why: "Without exported logs, failed logins and errors are lost when the instance rotates its local logs.",
  fix: "Set enabled_cloudwatch_logs_exports (PostgreSQL: [\"postgresql\"]).",
  level: "error",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster"],
  check(db) {
    const logs = (db.config.enabled_cloudwatch_logs_exports as string[] | undefined) ?? [];
    return logs.length ? compliant(`exports ${logs.join(", ")}`) : nonCompliant("set enabled_cloudwatch_logs_exports");
  },
});
