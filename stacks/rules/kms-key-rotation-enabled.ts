import { compliant, defineRule, nonCompliant, notApplicable } from "./rule";
import { isTrue } from "./support/stack-model";

export default defineRule({
  id: "kms-key-rotation-enabled",
  expects: "Automatic rotation on for symmetric encryption keys (enable_key_rotation true).",
  why: "A key that never rotates keeps every ciphertext of its life exposed to one key material leak.",
  fix: "Use SecureKmsKey (rotation always on), or set enable_key_rotation = true.",
  level: "error",
  resourceTypes: ["aws_kms_key"],
  check(key) {
    const spec = String(key.config.customer_master_key_spec ?? key.config.key_spec ?? "SYMMETRIC_DEFAULT");
    const usage = String(key.config.key_usage ?? "ENCRYPT_DECRYPT");
    if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") return notApplicable(`KMS cannot rotate ${spec} keys automatically`);
    return isTrue(key.config.enable_key_rotation) ? compliant("rotation is on") : nonCompliant("set enable_key_rotation = true");
  },
});
