import { result, type Check, type CheckMetadata } from "../../check";
import { notAvailable, type KeyFacts } from "../facts";

export const metadata: CheckMetadata = {
  id: "kms_key_not_pending_deletion",
  title: "KMS key is not scheduled for deletion",
  severity: "CRITICAL",
  securityHubControl: "KMS.3",
  resourceType: "AwsKmsKey",
  description: "A key pending deletion becomes unusable and is then destroyed with every piece of data it encrypts, irrecoverably.",
  remediation: {
    text: "If the deletion is unintended, cancel it before the deletion date: aws kms cancel-key-deletion --key-id <key>, then aws kms enable-key --key-id <key>.",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys-scheduling-key-deletion.html",
  },
};

export const kmsKeyNotPendingDeletion: Check<KeyFacts> = {
  metadata,
  evaluate(facts) {
    if (!facts.metadata.ok) return notAvailable(metadata, facts.metadata, "the key's metadata");
    const { KeyState: state, DeletionDate: deletionDate, PendingDeletionWindowInDays: window } = facts.metadata.value;
    if (state === "PendingDeletion" || state === "PendingReplicaDeletion") {
      const when = deletionDate ? ` on ${deletionDate.toISOString()}` : state === "PendingReplicaDeletion" ? ` once its replicas are deleted${window ? ` (${window}-day window)` : ""}` : "";
      return result(metadata, "FAILED", `The key is ${state} and will be deleted${when}.`, {
        details: { keyState: state, ...(deletionDate ? { deletionDate: deletionDate.toISOString() } : {}) },
      });
    }
    return result(metadata, "PASSED", `The key is not scheduled for deletion (state ${state ?? "unknown"}).`);
  },
};
