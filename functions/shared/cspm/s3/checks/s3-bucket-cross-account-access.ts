import { type Check, type CheckMetadata, result } from "../../check";
import {
  type Condition,
  type Policy,
  type Statement,
  appliesToAllPrincipals,
  describeStatement,
  isGuardingCondition,
  isPinningCondition,
  statementCoversAction,
  statementCoversResource,
} from "../../../iam-policy/policy";
import { DATA_BUCKET_ACTIONS, DATA_OBJECT_ACTIONS, bucketPolicy, policyAccess } from "./exposure";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

/** The actions Security Hub S3.6 forbids to other accounts: they hand over control of the bucket. */
const CONTROL_BUCKET_ACTIONS = ["s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration"];
const CONTROL_OBJECT_ACTIONS = ["s3:PutObjectAcl"];

/** Condition keys whose fixed value, when it is the owner account (or an ARN in it), keeps callers inside that account. */
const ACCOUNT_VALUE_KEYS = new Set(["aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "s3:dataaccesspointaccount"]);
/** Keys whose values are ARNs; the owner account fixed in them keeps callers inside it (the owner's access points). */
const ACCOUNT_ARN_KEYS = new Set(["aws:principalarn", "s3:dataaccesspointarn"]);
/** Keys that pin an "anyone" Allow to one account; the policy engine reports such grants as cross-account already. */
const ACCOUNT_PIN_KEYS = new Set(["aws:principalaccount", "kms:calleraccount", "s3:dataaccesspointaccount", "s3:dataaccesspointarn"]);

function valuesAreOwner(c: Condition, owner: string): boolean {
  if (ACCOUNT_VALUE_KEYS.has(c.key)) return c.values.every((v) => v === owner);
  if (ACCOUNT_ARN_KEYS.has(c.key)) return c.values.every((v) => v.split(":")[4] === owner);
  return false;
}

/** A Deny on everyone that lets through only callers of the owner account (every condition tests the owner account). */
function ownerOnlyDeny(policy: Policy, owner: string, action: string, resource: string): boolean {
  return policy.statements.some(
    (d) =>
      d.effect === "Deny" &&
      appliesToAllPrincipals(d) &&
      d.conditions.length > 0 &&
      d.conditions.every((c) => isGuardingCondition(c) && valuesAreOwner(c, owner)) &&
      statementCoversAction(d, action) &&
      statementCoversResource(d, resource),
  );
}

/**
 * Control actions granted to anyone but narrowed only to an organisation, a network, a source ARN...:
 * callers that match can belong to other accounts, so S3.6 fails them. Grants pinned or guarded to
 * the owner account are not; grants pinned to another account are reported by the engine already.
 */
function controlToPinnedCallers(policy: Policy, owner: string, bucketArn: string): string[] {
  const resourceOf = (action: string) => (CONTROL_OBJECT_ACTIONS.includes(action) ? `${bucketArn}/*` : bucketArn);
  const out: string[] = [];
  const describeGuarded = (allow: Statement, actions: readonly string[], how: string) =>
    out.push(`callers ${how} (which can be other accounts) may ${actions.join(", ")} via ${describeStatement(allow)}`);

  // "Anyone" Allows guarded by a Deny outside pinned values (org, VPC, ...).
  const plain = policyAccess(policy, owner, bucketArn, CONTROL_OBJECT_ACTIONS, CONTROL_BUCKET_ACTIONS);
  for (const g of plain.guardedGrants) {
    const actions = g.actions.filter((a) => !ownerOnlyDeny(policy, owner, a, resourceOf(a)));
    if (actions.length > 0) describeGuarded(policy.statements[g.statement.index]!, actions, `let through by ${g.guardedBy.map(describeStatement).join(", ")}`);
  }

  // "Anyone" Allows whose own conditions pin the caller to something other than an account.
  for (const allow of policy.statements) {
    const anyone = allow.notPrincipal || allow.principals.some((p) => p.kind === "public");
    if (allow.effect !== "Allow" || !anyone) continue;
    const pins = allow.conditions.filter(isPinningCondition);
    if (pins.length === 0 || pins.some((c) => valuesAreOwner(c, owner) || ACCOUNT_PIN_KEYS.has(c.key))) continue;
    // Judge the grant as if the pins were absent, so Deny statements are still subtracted.
    const unpinned: Policy = { ...policy, statements: policy.statements.map((s) => (s === allow ? { ...s, conditions: s.conditions.filter((c) => !isPinningCondition(c)) } : s)) };
    const access = policyAccess(unpinned, owner, bucketArn, CONTROL_OBJECT_ACTIONS, CONTROL_BUCKET_ACTIONS);
    const how = `matching ${pins.map((c) => `${c.operator} ${c.keyAsWritten}`).join(", ")}`;
    for (const g of access.publicGrants) if (g.statement.index === allow.index) describeGuarded(allow, g.actions, how);
    for (const g of access.guardedGrants) {
      if (g.statement.index !== allow.index) continue;
      const actions = g.actions.filter((a) => !ownerOnlyDeny(policy, owner, a, resourceOf(a)));
      if (actions.length > 0) describeGuarded(allow, actions, how);
    }
  }
  return out;
}

const metadata: CheckMetadata = {
  id: "s3_bucket_cross_account_access",
  title: "S3 bucket policy does not let other accounts control the bucket",
  severity: "HIGH",
  securityHubControl: "S3.6",
  resourceType: "AwsS3Bucket",
  description:
    "Fails when the bucket policy lets another AWS account (or anyone) perform s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy, s3:PutEncryptionConfiguration or s3:PutObjectAcl, after Deny statements; a grant to anyone narrowed only to an organisation, network or source (not to the owner account) counts, since those callers can be other accounts. Other cross-account data access is listed in the result.",
  remediation: {
    text: "Remove these actions from statements whose principals are outside the account (or add a Deny for them with aws:PrincipalAccount not equal to the owner); grant other accounts data access only.",
    url: securityHubUrl("S3.6"),
  },
};

export const s3BucketCrossAccountAccess: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket, context }) {
    const parsed = bucketPolicy(bucket.policy);
    if (!parsed.ok) return notAvailable(metadata, parsed, "bucket policy");
    if (parsed.policy === null) return result(metadata, "PASSED", `Bucket ${bucket.name} has no bucket policy, so no other account is granted access by one.`);
    const owner = context.account.accountId;
    const control = policyAccess(parsed.policy, owner, bucket.arn, CONTROL_OBJECT_ACTIONS, CONTROL_BUCKET_ACTIONS);
    const data = policyAccess(parsed.policy, owner, bucket.arn, DATA_OBJECT_ACTIONS, DATA_BUCKET_ACTIONS);
    const dataGrants = data.crossAccountGrants.map((g) => ({ accountId: g.accountId, actions: g.actions, conditional: g.conditional }));
    const pinnedCallers = controlToPinnedCallers(parsed.policy, owner, bucket.arn);
    const offenders = [
      ...control.crossAccountGrants.map((g) => `account ${g.accountId} may ${g.actions.join(", ")}${g.conditional ? " (under conditions)" : ""} via ${g.statements.map(describeStatement).join(", ")}`),
      ...control.publicGrants.map((g) => `anyone may ${g.actions.join(", ")} via ${describeStatement(g.statement)}`),
      ...pinnedCallers,
    ];
    if (offenders.length > 0) {
      return result(metadata, "FAILED", `Bucket ${bucket.name}'s policy lets other accounts control it: ${offenders.join("; ")}.`, {
        details: { controlGrants: control.crossAccountGrants, publicControlGrants: control.publicGrants, pinnedCallerControlGrants: pinnedCallers, crossAccountDataAccess: dataGrants },
      });
    }
    const others = dataGrants.length > 0 ? ` It grants data access to ${dataGrants.map((g) => `${g.accountId} (${g.actions.join(", ")})`).join("; ")}.` : "";
    return result(metadata, "PASSED", `Bucket ${bucket.name}'s policy gives no other account control of the bucket.${others}`, {
      details: { crossAccountDataAccess: dataGrants },
    });
  },
};
