import { compliant, defineRule, nonCompliant } from "./rule";

export default defineRule({
  id: "logs-log-group-retention-set",
  expects: "retention_in_days set (not 0 = never expire).",
  why: "Logs kept forever cost without end and keep personal data longer than needed.",
  fix: "Set retention_in_days from the environment's logRetentionDays.",
  level: "error",
  resourceTypes: ["aws_cloudwatch_log_group"],
  check(group) {
    const days = Number(group.config.retention_in_days ?? 0);
    return days > 0 ? compliant(`kept ${days} days`) : nonCompliant("set retention_in_days (e.g. config.logRetentionDays)");
  },
});
