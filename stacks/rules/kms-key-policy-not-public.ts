import { evaluateAccess, describeStatement } from "../../functions/shared/iam-policy/policy";
import { compliant, defineRule, nonCompliant } from "./rule";
import { judgeKeyPolicy } from "./support/iam";

const KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey"];

export default defineRule({
  id: "kms-key-policy-not-public",
  expects: "A key policy with no statement open to anyone and no unconditioned grant to another account.",
  why: "A public or cross-account key statement lets outsiders decrypt the data the key protects, or manage the key.",
  fix: "Name principals of this account in SecureKmsKey (allowPrincipal, allowService); pin any other account's statement with conditions (kms:ViaService, kms:CallerAccount, aws:PrincipalOrgID).",
  level: "error",
  resourceTypes: ["aws_kms_key"],
  check(key, stack) {
    return judgeKeyPolicy(key, stack, (policy) => {
      const owner = stack.accountId ?? /arn:[^:]+:iam::(\d{12}):root/.exec(String(key.config.policy))?.[1];
      if (!owner) return nonCompliant("cannot tell the owning account: give the provider allowed_account_ids or name the account root in the key policy");
      const report = evaluateAccess(policy, { ownerAccountId: owner, actions: KEY_ACTIONS });
      if (report.isPublic) return nonCompliant(`remove or pin the public grant in ${report.publicGrants.map((g) => describeStatement(g.statement)).join(", ")}`);
      const open = report.crossAccountGrants.filter((g) => !g.conditional);
      if (open.length) return nonCompliant(`add conditions to the grant to account ${open.map((g) => g.accountId).join(", ")} (${open.flatMap((g) => g.statements.map(describeStatement)).join(", ")})`);
      return compliant("no public or unconditioned cross-account statement");
    });
  },
});
