import { findConditions, statementCoversAction } from "../../functions/shared/iam-policy/policy";
import { compliant, defineRule, nonCompliant, notApplicable } from "./rule";
import { judgeOwnAllowStatements, POLICY_HOLDER_TYPES, where } from "./support/iam";

export default defineRule({
  id: "iam-policy-pass-role-scoped",
  expects: "iam:PassRole only on named role ARNs (no wildcard in the role name) and with an iam:PassedToService condition.",
  why: "PassRole on any role to any service lets the holder run code as the most privileged role in the account.",
  fix: "Name the roles in Resource and add Condition StringEquals iam:PassedToService (e.g. lambda.amazonaws.com).",
  level: "error",
  resourceTypes: POLICY_HOLDER_TYPES,
  check(resource, stack) {
    return judgeOwnAllowStatements(resource, stack, (statements) => {
      const passing = statements.filter((s) => statementCoversAction(s.statement, "iam:PassRole"));
      if (passing.length === 0) return notApplicable("grants no iam:PassRole");
      const problems: string[] = [];
      for (const s of passing) {
        const named = !s.statement.notResource && s.statement.resources.length > 0 && s.statement.resources.every((r) => /:role\/.*[^*]$/.test(r) && !/:role\/\*$/.test(r) && !r.split(":role/")[1]!.includes("*"));
        const toService = findConditions(s.statement, "iam:PassedToService").some((c) => !c.ifExists && c.values.every((v) => !v.includes("*")));
        if (!named) problems.push(`${where(s)}: name the roles (no wildcard)`);
        if (!toService) problems.push(`${where(s)}: add an iam:PassedToService condition`);
      }
      return problems.length ? nonCompliant(problems.join("; ")) : compliant("PassRole on named roles, to named services");
    });
  },
});
