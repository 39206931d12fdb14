import { result, type Check, type CheckMetadata } from "../../check";
import { describeStatement } from "../../../iam-policy/policy";
import { analyseKeyPolicy, listForHumans, type KeyFacts } from "../facts";

export const metadata: CheckMetadata = {
  id: "kms_key_policy_not_public",
  title: "KMS key policy does not allow public access",
  severity: "CRITICAL",
  securityHubControl: "KMS.5",
  resourceType: "AwsKmsKey",
  description:
    "The key policy must not Allow `*`, {\"AWS\":\"*\"} or arn:aws:iam::*:root (or use NotPrincipal in an Allow) without a condition pinning the caller to fixed accounts, organisations or networks. Deny statements that take the access away are honoured.",
  remediation: {
    text: "Name the principals that need the key, or add a condition with fixed values such as kms:CallerAccount, aws:PrincipalOrgID or aws:SourceVpce to the statement.",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html",
  },
};

export const kmsKeyPolicyNotPublic: Check<KeyFacts> = {
  metadata,
  evaluate(facts) {
    const analysis = analyseKeyPolicy(facts, metadata);
    if (!analysis.ok) return analysis.result;
    const { publicGrants, guardedGrants } = analysis.access;
    if (publicGrants.length > 0) {
      const statements = publicGrants.map((g) => describeStatement(g.statement));
      const actions = [...new Set(publicGrants.flatMap((g) => g.actions))].sort();
      return result(metadata, "FAILED", `Statement ${listForHumans(statements)} allows anyone to call ${listForHumans(actions)} on the key with no condition pinning the caller.`, {
        details: { publicGrants, actions },
      });
    }
    if (guardedGrants.length > 0) {
      const guards = [...new Set(guardedGrants.flatMap((g) => g.guardedBy.map(describeStatement)))];
      return result(metadata, "PASSED", `The policy allows anyone, but Deny statement ${listForHumans(guards)} restricts callers to fixed accounts, organisations or networks.`, {
        details: { guardedGrants },
      });
    }
    return result(metadata, "PASSED", "No statement allows public access to the key.");
  },
};
