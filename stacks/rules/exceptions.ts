/**
 * The only way past a guardrail: an accepted risk, with its reason and who accepts it. An entry
 * whose resource no longer exists (in an environment it applies to) fails synth, so the list cannot
 * rot. Keep it short: fix the resource wherever a fix exists.
 */
import type { EnvironmentName } from "../config";

export interface AcceptedRisk {
  /** Rule id (stacks/rules/<id>.ts). */
  readonly rule: string;
  /** Construct path or glob: `*` within one segment, `**` across, e.g. `cspm-*` + `/mongodb-secret`. */
  readonly resource: string;
  /** Why it cannot or should not be fixed. */
  readonly reason: string;
  /** Who or what accepts the risk (a team, a role, an issue). */
  readonly acceptedBy: string;
  /** Environments it applies to. @default every environment */
  readonly environments?: readonly EnvironmentName[];
}

export const EXCEPTIONS: readonly AcceptedRisk[] = [
  {
    rule: "secretsmanager-secret-rotated",
    resource: "cspm-*/mongodb-secret/Default",
    reason:
      "The secret holds the connection string of an external MongoDB (e.g. Atlas) whose users are managed outside AWS: rotating it needs that provider's admin API and credentials, which this platform does not hold. The string is set out of band and never enters Terraform state; rotate it at the provider and put the new value.",
    acceptedBy: "CSPM owners (issue 10)",
  },

  {
    rule: "iam-policy-no-full-admin",
    resource: "role-vending-*/functions/boundary-*",
    reason:
      "These are permissions boundaries, not grants: a boundary caps what the vended admin and break-glass roles may do. Allow NotAction <forbidden list> plus the explicit Deny of the same list is the boundary (everything except IAM identity changes, boundary edits, Organizations, KMS deletion, CloudTrail and security-service shutdown); what a role is granted comes from its validated template.",
    acceptedBy: "Role-vending owners (issue 11)",
  },
  {
    rule: "iam-policy-no-wildcard-resource",
    resource: "role-vending-*/functions/boundary-*",
    reason:
      "Permissions boundaries cap actions, not resources: naming resources here would cap every project at once. The resources are named by each grant's rendered template (e.g. arn:aws:s3:::<project>-*), which grants; the boundary only limits.",
    acceptedBy: "Role-vending owners (issue 11)",
  },
  {
    rule: "lambda-function-concurrency-bounded",
    resource: "role-vending-*/functions/assume-events/this",
    reason:
      "Reserving concurrency fails in accounts still at the new-account Lambda quota of 10, which dev and staging accounts often are; prod reserves it (roleVending.eventsReservedConcurrency = 5).",
    acceptedBy: "Role-vending owners (issue 11)",
    environments: ["dev", "staging"],
  },
  {
    rule: "lambda-function-concurrency-bounded",
    resource: "credentials-*/trigger/function/this",
    reason:
      "Same quota reason as the S3 auditor: reserving fails in accounts at the new-account Lambda quota of 10. The trigger only calls RotateSecret for this stack's secrets (Secrets Manager refuses a second rotation while one runs); prod reserves it (credentials.reservedConcurrency = 2).",
    acceptedBy: "Credentials owners (issue 12)",
    environments: ["dev", "staging"],
  },
];
