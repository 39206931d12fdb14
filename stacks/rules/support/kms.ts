/** Whether a KMS key setting names a customer-managed key (not an AWS-managed `alias/aws/...` key). */
import type { StackModel } from "./stack-model";

const KEY_TYPES = new Set(["aws_kms_key", "aws_kms_replica_key", "aws_kms_external_key", "aws_kms_alias"]);

/**
 * A customer key is a KMS key (or alias of one) in the stack, a `data.aws_kms_key` that is not an
 * AWS-managed alias, a literal key ARN, or a literal alias outside `alias/aws/`.
 */
export function isCustomerKey(value: unknown, stack: StackModel): boolean {
  if (typeof value !== "string" || value.trim() === "") return false;
  const ref = stack.resolve(value);
  if (ref) {
    if (ref.isData) return ref.type === "aws_kms_key" && !String(ref.config.key_id ?? "").includes("alias/aws/");
    return KEY_TYPES.has(ref.type);
  }
  if (value.includes("${")) return false;
  if (value.includes("alias/aws/")) return false;
  return /^arn:[^:]+:kms:[^:]*:\d{12}:(key|alias)\/.+/.test(value) || /^alias\/.+/.test(value) || /^[0-9a-f-]{36}$/.test(value) || /^mrk-[0-9a-f]{32}$/.test(value);
}

