import { result, type Check, type CheckMetadata } from "../../shared/check";
import { notAvailable, replicaPrimary, rotationApplicability, type KeyFacts } from "../facts";

export const metadata: CheckMetadata = {
  id: "kms_key_rotation_enabled",
  title: "KMS key rotation is enabled",
  severity: "MEDIUM",
  securityHubControl: "KMS.4",
  resourceType: "AwsKmsKey",
  description:
    "Customer-managed symmetric keys with KMS-generated material should rotate automatically. AWS-managed, asymmetric, HMAC, imported-material and custom-key-store keys are not applicable; a multi-Region replica is judged by its primary.",
  remediation: {
    text: "Enable automatic rotation on the key (or on the primary of a multi-Region key): aws kms enable-key-rotation --key-id <key> [--rotation-period-in-days 365].",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/rotating-keys-enable.html",
  },
};

export const kmsKeyRotationEnabled: Check<KeyFacts> = {
  metadata,
  evaluate(facts) {
    if (!facts.metadata.ok) return notAvailable(metadata, facts.metadata, "the key's metadata");
    const applicability = rotationApplicability(facts.metadata.value);
    if (!applicability.applicable) return result(metadata, "NOT_APPLICABLE", applicability.reason);
    const primary = replicaPrimary(facts.metadata.value);
    const via = primary ? ` on its primary key ${primary.arn}` : "";
    if (!facts.rotation) return result(metadata, "NOT_AVAILABLE", "The rotation status was not fetched.", { errorCode: "NotFetched" });
    if (!facts.rotation.ok) return notAvailable(metadata, facts.rotation, `the rotation status${via}`);
    const { enabled, periodInDays, nextRotationDate, keyArn } = facts.rotation.value;
    const details = { rotationKeyArn: keyArn, ...(periodInDays !== undefined ? { rotationPeriodInDays: periodInDays } : {}), ...(nextRotationDate ? { nextRotationDate: nextRotationDate.toISOString() } : {}) };
    if (enabled) {
      return result(metadata, "PASSED", `Automatic rotation is enabled${via}${periodInDays !== undefined ? `, every ${periodInDays} days` : ""}.`, { details });
    }
    return result(metadata, "FAILED", `Automatic rotation is disabled${via}.`, { details });
  },
};
