import { compliant, defineRule, nonCompliant } from "./rule";
import { isCustomerKey } from "./support/kms";

export default defineRule({
  id: "secretsmanager-secret-kms-encrypted",
  expects: "kms_key_id names a customer-managed key.",
  why: "With aws/secretsmanager every principal allowed GetSecretValue can decrypt; a customer key adds its own policy.",
  fix: "Set kms_key_id to the stack's SecureKmsKey.",
  level: "error",
  resourceTypes: ["aws_secretsmanager_secret"],
  check(secret, stack) {
    return isCustomerKey(secret.config.kms_key_id, stack) ? compliant("encrypted with a customer-managed key") : nonCompliant("set kms_key_id to the stack's customer-managed key");
  },
});
