import { findConditions, statementCoversAction } from "../../functions/shared/iam-policy/policy";
import { compliant, defineRule, nonCompliant, notApplicable } from "./rule";
import { judgeOwnAllowStatements, POLICY_HOLDER_TYPES, where } from "./support/iam";

const DATA_KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"];

export default defineRule({
  id: "iam-policy-kms-use-via-service",
  expects: "Identity-policy grants of KMS data-key actions (Decrypt, Encrypt, GenerateDataKey*, ReEncrypt*) carry kms:ViaService, or an encryption-context condition when the code calls KMS itself.",
  why: "A grant meant for one service (reading a secret, publishing to an encrypted topic) otherwise lets the holder decrypt anything under that key directly.",
  fix: "Add Condition StringEquals kms:ViaService <service>.<region>.amazonaws.com (or kms:EncryptionContext:<key> for direct use).",
  level: "error",
  resourceTypes: POLICY_HOLDER_TYPES,
  check(resource, stack) {
    return judgeOwnAllowStatements(resource, stack, (statements) => {
      const kms = statements.filter((s) => !s.statement.notAction && DATA_KEY_ACTIONS.some((a) => statementCoversAction(s.statement, a)));
      if (kms.length === 0) return notApplicable("grants no KMS data-key actions");
      const loose = kms.filter(
        (s) => findConditions(s.statement, "kms:ViaService").length === 0 && !s.statement.conditions.some((c) => c.key.startsWith("kms:encryptioncontext")),
      );
      return loose.length ? nonCompliant(`add a kms:ViaService condition to ${loose.map(where).join(", ")}`) : compliant("KMS use is tied to a service or an encryption context");
    });
  },
});
