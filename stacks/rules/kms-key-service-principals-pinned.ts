import { findConditions, statementIsPinned, type Statement } from "../../functions/shared/iam-policy/policy";
import { compliant, defineRule, nonCompliant } from "./rule";
import { judgeKeyPolicy } from "./support/iam";

/**
 * Services that AWS documents as sending neither aws:SourceAccount nor aws:SourceArn to KMS, so a
 * condition would silently break them: EventBridge delivering to encrypted SNS topics and SQS queues.
 */
export const SERVICES_WITHOUT_SOURCE_KEYS = ["events.amazonaws.com"];

/** CloudWatch Logs identifies the log group in the encryption context: a fixed account there pins the caller. */
function pinnedByLogsContext(s: Statement): boolean {
  return findConditions(s, "kms:EncryptionContext:aws:logs:arn").some(
    (c) => ["ArnLike", "ArnEquals", "StringLike", "StringEquals"].includes(c.baseOperator) && !c.ifExists && c.values.every((v) => /^arn:[^:]+:logs:[^:*]+:\d{12}:/.test(v)),
  );
}

export default defineRule({
  id: "kms-key-service-principals-pinned",
  expects: "Every key-policy statement for an AWS service principal is pinned to this account's resources (aws:SourceAccount / aws:SourceArn, or the log group in CloudWatch Logs' encryption context), unless the service sends no such key.",
  why: "An unpinned service statement lets the service use the key on behalf of any account's resources (confused deputy).",
  fix: "Grant services through SecureKmsKey.allowService(service, actions, {sourceArn}) and allowCloudWatchLogs, which add the conditions.",
  level: "error",
  resourceTypes: ["aws_kms_key"],
  check(key, stack) {
    return judgeKeyPolicy(key, stack, (policy) => {
      const loose = policy.statements.filter(
        (s) =>
          s.effect === "Allow" &&
          s.principals.some((p) => p.kind === "service" && !SERVICES_WITHOUT_SOURCE_KEYS.includes(p.value)) &&
          !statementIsPinned(s) &&
          !pinnedByLogsContext(s),
      );
      if (loose.length === 0) return compliant("every service statement is pinned to this account");
      const names = loose.map((s) => `${s.sid ?? `#${s.index}`} (${s.principals.map((p) => p.value).join(", ")})`);
      return nonCompliant(`add aws:SourceAccount and aws:SourceArn conditions to ${names.join(", ")}`);
    });
  },
});
