import { compliant, defineRule, nonCompliant } from "./rule";
import { heldPolicies, judgeOwnAllowStatements, POLICY_HOLDER_TYPES, where } from "./support/iam";

/** AWS-managed policies that are administrator access (or can make it), whatever else the role holds. */
const ADMIN_MANAGED = /^arn:aws[a-z-]*:iam::aws:policy\/(AdministratorAccess|IAMFullAccess|PowerUserAccess)$/;

export default defineRule({
  id: "iam-policy-no-full-admin",
  expects: "No Allow of `*` / `*:*`, no Allow with NotAction, and no attached AWS-managed AdministratorAccess, IAMFullAccess or PowerUserAccess.",
  why: "A `*:*` or NotAction grant is administrator access: one compromised function owns the account.",
  fix: "List the actions the code calls (addToRolePolicy or a construct's grant method).",
  level: "error",
  resourceTypes: POLICY_HOLDER_TYPES,
  check(resource, stack) {
    const admin = heldPolicies(resource, stack).external.filter((arn) => ADMIN_MANAGED.test(arn));
    if (admin.length) return nonCompliant(`detach ${admin.join(", ")} and list the actions needed`);
    return judgeOwnAllowStatements(resource, stack, (statements) => {
      const bad = statements.filter((s) => s.statement.notAction || s.statement.actions.some((a) => a === "*" || a === "*:*"));
      return bad.length ? nonCompliant(`replace "*" / NotAction with the actions needed in ${bad.map(where).join(", ")}`) : compliant("no wildcard-everything grant");
    });
  },
});
