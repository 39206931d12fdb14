import { findConditions, statementCoversAction, type Statement } from "../../functions/shared/iam-policy/policy";
import { compliant, defineRule, nonCompliant, notApplicable } from "./rule";
import { heldPolicies, POLICY_HOLDER_TYPES } from "./support/iam";

/** Creating a principal plus giving it policies: safe only when every such grant requires a permissions boundary. */
const COMBOS: readonly { create: string; grant: readonly string[] }[] = [
  { create: "iam:CreateRole", grant: ["iam:AttachRolePolicy", "iam:PutRolePolicy"] },
  { create: "iam:CreateUser", grant: ["iam:AttachUserPolicy", "iam:PutUserPolicy"] },
];
/** Escalate on their own unless conditioned (rewrite a policy, drop a boundary, add oneself to a group). */
const ALONE = ["iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:AttachGroupPolicy", "iam:PutGroupPolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary", "iam:AddUserToGroup", "iam:UpdateAssumeRolePolicy"];

/** Only a positive match bounds: StringNotEquals/ArnNotEquals allow every other boundary, and none. */
const BOUNDING_OPERATORS = ["StringEquals", "StringLike", "ArnEquals", "ArnLike"];
const bounded = (s: Statement) =>
  findConditions(s, "iam:PermissionsBoundary").some((c) => !c.ifExists && BOUNDING_OPERATORS.includes(c.baseOperator) && c.values.length > 0 && c.values.every((v) => !v.includes("*")));

export default defineRule({
  id: "iam-role-no-privilege-escalation",
  expects: "No privilege-escalation combination (CreateRole + AttachRolePolicy/PutRolePolicy, CreateUser + AttachUserPolicy/PutUserPolicy) unless every such grant requires an iam:PermissionsBoundary; no unconditioned Attach/Put Role/User/Group policy (the holder could grant itself anything), CreatePolicyVersion, SetDefaultPolicyVersion, Delete*PermissionsBoundary, AddUserToGroup, UpdateAssumeRolePolicy. A role is judged with its inline and attached policies together.",
  why: "These combinations let the holder mint a principal (or a policy version) with more rights than it has.",
  fix: "Add Condition StringEquals iam:PermissionsBoundary <boundary policy ARN> to the create and attach statements, and condition the others.",
  level: "error",
  resourceTypes: POLICY_HOLDER_TYPES,
  check(resource, stack) {
    const held = heldPolicies(resource, stack);
    const sources = [...held.own, ...held.attached];
    const allows = sources.flatMap((s) => s.policy?.statements ?? []).filter((s) => s.effect === "Allow");
    if (allows.length === 0) return notApplicable(held.external.length ? `only AWS-managed policies (${held.external.join(", ")})` : "no Allow statements");
    const granting = (action: string) => allows.filter((s) => statementCoversAction(s, action));
    const problems: string[] = [];
    for (const combo of COMBOS) {
      const creates = granting(combo.create);
      const grants = combo.grant.flatMap(granting);
      if (creates.length === 0 || grants.length === 0) continue;
      if (![...creates, ...grants].every(bounded)) problems.push(`${combo.create} with ${combo.grant.join("/")} needs an iam:PermissionsBoundary condition on each of those statements`);
    }
    for (const action of ALONE) if (granting(action).some((s) => s.conditions.length === 0)) problems.push(`condition or remove ${action}`);
    return problems.length ? nonCompliant(problems.join("; ")) : compliant("no privilege-escalation combination");
  },
});
