import { result, type Check, type CheckMetadata } from "../../check";
import { describeStatement } from "../../../iam-policy/policy";
import { analyseKeyPolicy, listForHumans, type KeyFacts } from "../facts";

export const metadata: CheckMetadata = {
  id: "kms_key_no_wildcard_kms_actions",
  title: "KMS key policy grants kms:* only to the account root",
  severity: "HIGH",
  resourceType: "AwsKmsKey",
  description:
    "Granting kms:* (or *, or NotAction) to a role, user, service or other account lets it change the key policy and schedule the key's deletion. Only the owning account's root should hold kms:*, which delegates to IAM policies.",
  remediation: {
    text: "Replace kms:* with the actions each principal needs (separate key administrators from key users); keep kms:* only for arn:aws:iam::<account>:root.",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
  },
};

export const kmsKeyNoWildcardKmsActions: Check<KeyFacts> = {
  metadata,
  evaluate(facts) {
    const analysis = analyseKeyPolicy(facts, metadata);
    if (!analysis.ok) return analysis.result;
    const grants = analysis.access.wildcardGrants;
    if (grants.length === 0) return result(metadata, "PASSED", "No principal other than the account root is granted kms:*.");
    const who = [...new Set(grants.map((g) => `${g.principal.value} (${g.action}, statement ${describeStatement(g.statement)})`))];
    return result(metadata, "FAILED", `Wildcard KMS actions are granted to ${listForHumans(who, 2)}.`, {
      details: { grants: grants.map((g) => ({ principal: g.principal.value, principalKind: g.principal.kind, action: g.action, statement: g.statement, conditional: g.conditional })) },
    });
  },
};
