import { result, type Check, type CheckMetadata } from "../../check";
import { notAvailable, type KeyFacts } from "../facts";

export const metadata: CheckMetadata = {
  id: "kms_key_imported_material_expiry",
  title: "Imported KMS key material does not expire",
  severity: "MEDIUM",
  resourceType: "AwsKmsKey",
  description:
    "When imported key material expires, KMS deletes it and the key becomes unusable (PendingImport) until the same material is imported again. Only keys with imported material (origin EXTERNAL) are applicable.",
  remediation: {
    text: "Re-import the same key material with --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE, or track the expiry date and re-import before it.",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys-import-key-material.html",
  },
};

const DAY_MS = 24 * 60 * 60 * 1000;

export const kmsKeyImportedMaterialExpiry: Check<KeyFacts> = {
  metadata,
  evaluate(facts) {
    if (!facts.metadata.ok) return notAvailable(metadata, facts.metadata, "the key's metadata");
    const m = facts.metadata.value;
    if (m.Origin !== "EXTERNAL") return result(metadata, "NOT_APPLICABLE", `The key's material was not imported (origin ${m.Origin ?? "unknown"}).`);
    if (m.KeyState === "PendingImport") {
      return result(metadata, "FAILED", "The key has no key material (expired or never imported): it is unusable until material is imported.", { severity: "HIGH", details: { keyState: m.KeyState } });
    }
    if (m.ExpirationModel !== "KEY_MATERIAL_EXPIRES") return result(metadata, "PASSED", "The imported key material does not expire.");
    if (!m.ValidTo) return result(metadata, "FAILED", "The imported key material expires, at a date KMS did not report.");
    const days = Math.floor((m.ValidTo.getTime() - facts.now.getTime()) / DAY_MS);
    const details = { validTo: m.ValidTo.toISOString(), daysLeft: days };
    if (days < 0) return result(metadata, "FAILED", `The imported key material expired on ${m.ValidTo.toISOString()}.`, { severity: "HIGH", details });
    return result(metadata, "FAILED", `The imported key material expires on ${m.ValidTo.toISOString()} (in ${days} days); the key then becomes unusable.`, {
      ...(days <= 30 ? { severity: "HIGH" as const } : {}),
      details,
    });
  },
};
