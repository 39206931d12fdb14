import { result, type Check, type CheckMetadata } from "../../check";
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
    const state = facts.metadata.value.KeyState;
    if (state === "PendingDeletion" || state === "PendingReplicaDeletion") {
      // KMS reports rotation as off while a key is pending deletion and restores the configured status if the deletion is cancelled.
      return result(metadata, "NOT_APPLICABLE", `The key is pending deletion (${state}): KMS reports rotation as disabled until the deletion is cancelled; see kms_key_not_pending_deletion.`, { details: { ...details, keyState: state } });
    }
    return result(metadata, "FAILED", `Automatic rotation is disabled${via}.`, { details });
  },
};
