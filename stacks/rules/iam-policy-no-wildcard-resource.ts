import { isResourcelessAction } from "../../functions/shared/iam-policy/resourceless-actions";
import { compliant, defineRule, nonCompliant } from "./rule";
import { judgeOwnAllowStatements, POLICY_HOLDER_TYPES, where } from "./support/iam";

export default defineRule({
  id: "iam-policy-no-wildcard-resource",
  expects: "Allow statements on `Resource: \"*\"` (or NotResource) only for actions that support no resource-level permissions.",
  why: "A wildcard resource grants the action on every resource of the account, not just the ones the code uses.",
  fix: "Name the resource ARNs; keep actions that take no resource (functions/shared/iam-policy/resourceless-actions.ts) in a statement of their own on \"*\".",
  level: "error",
  resourceTypes: POLICY_HOLDER_TYPES,
  check(resource, stack) {
    return judgeOwnAllowStatements(resource, stack, (statements) => {
      const problems: string[] = [];
      for (const s of statements) {
        const wildcard = s.statement.notResource || s.statement.resources.length === 0 || s.statement.resources.includes("*");
        if (!wildcard || s.statement.notAction) continue;
        const scoped = s.statement.actions.filter((a) => !isResourcelessAction(a));
        if (scoped.length) problems.push(`${where(s)} grants ${scoped.join(", ")} on "*"`);
      }
      return problems.length ? nonCompliant(`name the resources: ${problems.join("; ")}`) : compliant("wildcard resources only for actions that take none");
    });
  },
});
