import { result, type Check, type CheckMetadata } from "../../check";
import { notAvailable, type KeyFacts } from "../facts";

export const metadata: CheckMetadata = {
  id: "kms_key_enabled",
  title: "KMS key is enabled and usable",
  severity: "MEDIUM",
  resourceType: "AwsKmsKey",
  description: "A key that is disabled, awaiting imported material, unavailable (custom key store disconnected) or pending deletion cannot encrypt or decrypt: data and services that use it fail.",
  remediation: {
    text: "If the key is still in use, enable it (aws kms enable-key), import its material, or reconnect its custom key store; otherwise remove it from the resources that name it.",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html",
  },
};

const UNUSABLE: Readonly<Record<string, string>> = {
  Disabled: "The key is disabled: data encrypted under it cannot be decrypted until it is enabled.",
  PendingImport: "The key has no key material (PendingImport): it cannot be used until material is imported.",
  Unavailable: "The key is unavailable because its custom key store is disconnected: it cannot be used.",
  PendingDeletion: "The key is pending deletion and cannot be used.",
  PendingReplicaDeletion: "The key is pending deletion of its replicas and cannot be used.",
};

export const kmsKeyEnabled: Check<KeyFacts> = {
  metadata,
  evaluate(facts) {
    if (!facts.metadata.ok) return notAvailable(metadata, facts.metadata, "the key's metadata");
    const state = facts.metadata.value.KeyState ?? "Unknown";
    if (state === "Enabled") return result(metadata, "PASSED", "The key is enabled.");
    const unusable = UNUSABLE[state];
    if (unusable) return result(metadata, "FAILED", unusable, { details: { keyState: state } });
    return result(metadata, "WARNING", `The key is in state ${state}; check it again once the operation completes.`, { details: { keyState: state } });
  },
};
