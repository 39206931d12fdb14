import { compliant, defineRule, nonCompliant } from "./rule";
import { judgeOwnAllowStatements, POLICY_HOLDER_TYPES, where } from "./support/iam";

export default defineRule({
  id: "iam-policy-no-full-admin",
  expects: "No Allow of `*` / `*:*`, and no Allow with NotAction.",
  why: "A `*:*` or NotAction grant is administrator access: one compromised function owns the account.",
  fix: "List the actions the code calls (addToRolePolicy or a construct's grant method).",
  level: "error",
  resourceTypes: POLICY_HOLDER_TYPES,
  check(resource, stack) {
    return judgeOwnAllowStatements(resource, stack, (statements) => {
      const bad = statements.filter((s) => s.statement.notAction || s.statement.actions.some((a) => a === "*" || a === "*:*"));
      return bad.length ? nonCompliant(`replace "*" / NotAction with the actions needed in ${bad.map(where).join(", ")}`) : compliant("no wildcard-everything grant");
    });
  },
});
