import { result, type Check, type CheckMetadata } from "../../check";
import { analyseKeyPolicy, KMS_ADMIN_ACTIONS, listForHumans, type KeyFacts } from "../facts";

export const metadata: CheckMetadata = {
  id: "kms_key_cross_account_access",
  title: "KMS key policy grants no unexpected cross-account access",
  severity: "MEDIUM",
  resourceType: "AwsKmsKey",
  description:
    "Lists the other accounts the key policy lets use or manage the key, and which actions. Accounts passed in additional_params.trusted_accounts are expected. Granting key administration (PutKeyPolicy, CreateGrant, ScheduleKeyDeletion ...) to another account is high severity.",
  remediation: {
    text: "Remove the other accounts from the key policy, or narrow them to the cryptographic actions they need with conditions such as kms:ViaService; declare expected accounts as trusted.",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html",
  },
};

export const kmsKeyCrossAccountAccess: Check<KeyFacts> = {
  metadata,
  evaluate(facts) {
    const analysis = analyseKeyPolicy(facts, metadata);
    if (!analysis.ok) return analysis.result;
    const trusted = new Set(facts.params.trustedAccounts);
    const grants = analysis.access.crossAccountGrants;
    const unexpected = grants.filter((g) => !trusted.has(g.accountId));
    const accounts = grants.map((g) => ({ accountId: g.accountId, actions: g.actions, principals: g.principals, statements: g.statements, conditional: g.conditional, trusted: trusted.has(g.accountId) }));
    if (unexpected.length === 0) {
      return grants.length === 0
        ? result(metadata, "PASSED", "The key policy grants no other account access to the key.")
        : result(metadata, "PASSED", `Only trusted accounts have access: ${listForHumans(grants.map((g) => g.accountId))}.`, { details: { accounts } });
    }
    const admin = unexpected.some((g) => g.actions.some((a) => KMS_ADMIN_ACTIONS.has(a)));
    const summary = unexpected.map((g) => `${g.accountId} (${listForHumans(g.actions.map((a) => a.slice(4)), 4)})`);
    return result(metadata, "FAILED", `The key policy grants other accounts access: ${listForHumans(summary, 3)}.`, {
      ...(admin ? { severity: "HIGH" as const } : {}),
      details: { accounts },
    });
  },
};
