/**
 * Effective public exposure of a bucket, judged the way S3 judges it: the policy (through the shared
 * policy engine: Allow minus Deny, pinning conditions, NotPrincipal/NotAction) and the ACL, after the
 * account-level and bucket-level Block Public Access settings that apply to *existing* grants:
 * RestrictPublicBuckets neutralises public policy grants, IgnorePublicAcls public ACL grants, and
 * ACLs grant nothing at all under BucketOwnerEnforced. (BlockPublicPolicy and BlockPublicAcls only
 * reject new public grants; they do not neutralise existing ones.)
 *
 * Used by the public read (S3.2), public write (S3.3) and cross-account (S3.6) checks.
 */
import type { Fetched } from "../../check";
import { awsErrorCode } from "../../../platform/errors";
import { type AccessReport, type Policy, type PublicGrant, type GuardedGrant, describeStatement, evaluateAccess, parsePolicy } from "../../../iam-policy/policy";
import type { BucketInventory, PublicAccessBlockFlags } from "../inventory";
import type { ScanContext } from "./types";

const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

export interface AccessKind {
  readonly label: "read" | "write";
  /** Actions on objects (judged against object ARNs). */
  readonly objectActions: readonly string[];
  /** Actions on the bucket itself (judged against the bucket ARN). */
  readonly bucketActions: readonly string[];
  /** ACL permissions that give this access. */
  readonly aclPermissions: readonly string[];
}

export const READ: AccessKind = {
  label: "read",
  objectActions: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAcl", "s3:GetObjectAttributes"],
  bucketActions: ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads", "s3:GetBucketAcl", "s3:GetBucketPolicy"],
  aclPermissions: ["READ", "READ_ACP", "FULL_CONTROL"],
};

export const WRITE: AccessKind = {
  label: "write",
  objectActions: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl", "s3:PutObjectVersionAcl", "s3:PutObjectRetention", "s3:RestoreObject"],
  bucketActions: [
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:DeleteBucket",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketVersioning",
  ],
  aclPermissions: ["WRITE", "WRITE_ACP", "FULL_CONTROL"],
};

/** Every data action of READ and WRITE: "public at all" (S3.2/S3.3 policy status) and cross-account data access (S3.6). */
export const DATA_OBJECT_ACTIONS: readonly string[] = [...READ.objectActions, ...WRITE.objectActions];
export const DATA_BUCKET_ACTIONS: readonly string[] = [...READ.bucketActions, ...WRITE.bucketActions];

export type ParsedPolicy = { readonly ok: true; readonly policy: Policy | null } | { readonly ok: false; readonly errorCode: string; readonly message?: string };

/** The bucket policy parsed by the shared engine; a document the engine cannot read is MalformedPolicy. */
export function bucketPolicy(fetched: Fetched<string | null>): ParsedPolicy {
  if (!fetched.ok) return fetched;
  if (fetched.value === null) return { ok: true, policy: null };
  try {
    return { ok: true, policy: parsePolicy(fetched.value) };
  } catch (error) {
    return { ok: false, errorCode: awsErrorCode(error) === "UnknownError" ? "MalformedPolicy" : awsErrorCode(error), message: (error as Error).message };
  }
}

/**
 * Object ARNs to judge object actions against. `evaluateAccess` matches concrete ARNs, so a Deny on
 * `bucket/private/*` must not be taken to cover `bucket/*`: we judge one representative key per
 * object pattern the policy names, plus keys no narrower pattern singles out, and union the answers.
 */
export function objectSamples(policy: Policy, bucketArn: string): string[] {
  // The literal key `*` is matched only by patterns that match every key, so a Deny on `bucket/z*`
  // does not hide an Allow written for `*` or `arn:aws:s3:::*/*`.
  const samples = new Set([`${bucketArn}/zz-any-key`, `${bucketArn}/*`]);
  for (const statement of policy.statements) {
    for (const pattern of statement.resources) {
      const concrete = pattern.replace(/\$\{[^}]*\}/g, "x").replace(/[*?]/g, "x");
      if (concrete.startsWith(`${bucketArn}/`)) samples.add(concrete);
    }
  }
  return [...samples];
}

/** Merges access reports of several concrete resources (any resource public → public). */
function mergeReports(reports: readonly AccessReport[]): AccessReport {
  const byStatement = <G extends PublicGrant>(grants: readonly G[]): G[] => {
    const merged = new Map<number, G>();
    for (const g of grants) {
      const prior = merged.get(g.statement.index);
      merged.set(g.statement.index, prior ? { ...prior, actions: [...new Set([...prior.actions, ...g.actions])] } : g);
    }
    return [...merged.values()];
  };
  const publicGrants = byStatement(reports.flatMap((r) => r.publicGrants));
  const cross = new Map<string, AccessReport["crossAccountGrants"][number]>();
  for (const g of reports.flatMap((r) => r.crossAccountGrants)) {
    const prior = cross.get(g.accountId);
    cross.set(
      g.accountId,
      prior
        ? {
            accountId: g.accountId,
            actions: [...new Set([...prior.actions, ...g.actions])].sort(),
            principals: [...new Set([...prior.principals, ...g.principals])].sort(),
            statements: [...new Map([...prior.statements, ...g.statements].map((s) => [s.index, s])).values()].sort((a, b) => a.index - b.index),
            conditional: prior.conditional && g.conditional,
          }
        : g,
    );
  }
  return {
    isPublic: publicGrants.length > 0,
    publicGrants,
    guardedGrants: byStatement<GuardedGrant>(reports.flatMap((r) => r.guardedGrants)),
    crossAccountGrants: [...cross.values()].sort((a, b) => (a.accountId < b.accountId ? -1 : 1)),
    wildcardGrants: reports.flatMap((r) => r.wildcardGrants),
  };
}

/** Who can perform `objectActions` on any object and `bucketActions` on the bucket, under the policy. */
export function policyAccess(policy: Policy, ownerAccountId: string, bucketArn: string, objectActions: readonly string[], bucketActions: readonly string[]): AccessReport {
  const reports: AccessReport[] = [];
  if (bucketActions.length > 0) reports.push(evaluateAccess(policy, { ownerAccountId, actions: bucketActions, resources: [bucketArn], wildcardServices: ["s3"] }));
  if (objectActions.length > 0) {
    for (const sample of objectSamples(policy, bucketArn)) {
      reports.push(evaluateAccess(policy, { ownerAccountId, actions: objectActions, resources: [sample], wildcardServices: ["s3"] }));
    }
  }
  return mergeReports(reports);
}

/** One flag in effect: on at the account or at the bucket level; `undefined` when it cannot be known (a read failed). */
interface EffectiveFlag {
  readonly on: boolean | undefined;
  /** Where it is on: `account`, `bucket`, or both. */
  readonly levels: readonly string[];
  /** Error code of the unreadable level, when `on` is undefined. */
  readonly errorCode?: string;
}

function effectiveFlag(
  flag: keyof PublicAccessBlockFlags,
  account: Fetched<PublicAccessBlockFlags | null>,
  bucket: Fetched<PublicAccessBlockFlags | null>,
): EffectiveFlag {
  const levels: string[] = [];
  if (account.ok && account.value?.[flag] === true) levels.push("account");
  if (bucket.ok && bucket.value?.[flag] === true) levels.push("bucket");
  if (levels.length > 0) return { on: true, levels };
  const failed = !account.ok ? account : !bucket.ok ? bucket : undefined;
  return failed ? { on: undefined, levels, errorCode: failed.errorCode } : { on: false, levels };
}

/** One way the bucket is opened to the public. */
export interface Exposure {
  readonly source: "policy" | "acl";
  /** Human description: `statement "PublicRead" (#0) allows * s3:GetObject`. */
  readonly description: string;
  /** Open now, neutralised by a Block Public Access flag, or unknown because that flag could not be read. */
  readonly state: "open" | "blocked" | "unknown";
  readonly blockedBy?: string;
  readonly errorCode?: string;
}

export interface ExposureVerdict {
  readonly exposures: readonly Exposure[];
  /** Public grants a Deny restricts to pinned callers (org, VPC, account): not public, but worth knowing. */
  readonly guarded: readonly string[];
  /** A source we could not read and that no Block Public Access flag makes irrelevant. */
  readonly unreadable: readonly { readonly source: string; readonly errorCode: string }[];
  /** Our verdict on the policy alone (any action), for comparison with S3's policy status. */
  readonly policyPublic?: boolean;
}

function flagState(flag: EffectiveFlag, name: string): Pick<Exposure, "state" | "blockedBy" | "errorCode"> {
  if (flag.on === true) return { state: "blocked", blockedBy: `${name} (${flag.levels.join(" and ")} level)` };
  if (flag.on === undefined) return { state: "unknown", errorCode: flag.errorCode };
  return { state: "open" };
}

/** Everything that would give `kind` access to the public, and whether Block Public Access neutralises it. */
export function judgeExposure(bucket: BucketInventory, context: ScanContext, kind: AccessKind): ExposureVerdict {
  const exposures: Exposure[] = [];
  const guarded: string[] = [];
  const unreadable: { source: string; errorCode: string }[] = [];
  const restrict = effectiveFlag("RestrictPublicBuckets", context.account.publicAccessBlock, bucket.publicAccessBlock);
  const ignoreAcls = effectiveFlag("IgnorePublicAcls", context.account.publicAccessBlock, bucket.publicAccessBlock);

  let policyPublic: boolean | undefined;
  const parsed = bucketPolicy(bucket.policy);
  if (!parsed.ok) {
    if (restrict.on !== true) unreadable.push({ source: "bucket policy", errorCode: parsed.errorCode });
  } else if (parsed.policy) {
    const access = policyAccess(parsed.policy, context.account.accountId, bucket.arn, kind.objectActions, kind.bucketActions);
    for (const grant of access.publicGrants) {
      exposures.push({
        source: "policy",
        description: `policy statement ${describeStatement(grant.statement)} allows ${grant.principals.join(", ")} ${grant.actions.join(", ")}`,
        ...flagState(restrict, "RestrictPublicBuckets"),
      });
    }
    for (const grant of access.guardedGrants) {
      guarded.push(`policy statement ${describeStatement(grant.statement)} allows ${grant.actions.join(", ")} to anyone, but ${grant.guardedBy.map(describeStatement).join(", ")} denies callers outside pinned values`);
    }
    policyPublic = policyAccess(parsed.policy, context.account.accountId, bucket.arn, DATA_OBJECT_ACTIONS, DATA_BUCKET_ACTIONS).isPublic;
  } else {
    policyPublic = false;
  }

  const acl = bucket.acl;
  if (!acl.ok) {
    if (ignoreAcls.on !== true) unreadable.push({ source: "bucket ACL", errorCode: acl.errorCode });
  } else if (acl.value) {
    for (const grant of acl.value.grants) {
      const uri = grant.Grantee?.URI;
      if ((uri !== ALL_USERS && uri !== AUTHENTICATED_USERS) || !kind.aclPermissions.includes(grant.Permission ?? "")) continue;
      const who = uri === ALL_USERS ? "AllUsers (anyone)" : "AuthenticatedUsers (any AWS account)";
      exposures.push({ source: "acl", description: `ACL grants ${grant.Permission} to ${who}`, ...flagState(ignoreAcls, "IgnorePublicAcls") });
    }
  }
  return policyPublic === undefined ? { exposures, guarded, unreadable } : { exposures, guarded, unreadable, policyPublic };
}

/** A sentence when S3's own policy status disagrees with our reading of the policy; empty otherwise. */
export function policyStatusNote(bucket: BucketInventory, policyPublic: boolean | undefined): { note: string; s3PolicyStatusIsPublic?: boolean } {
  const status = bucket.policyStatus;
  if (!status.ok || status.value === null || policyPublic === undefined || status.value === policyPublic) return { note: "" };
  const note = status.value
    ? " S3's own policy status reports the policy as public although our evaluation finds no public grant; review the conditions S3 does not treat as restricting."
    : " S3's own policy status reports the policy as not public, but our evaluation finds a public grant.";
  return { note, s3PolicyStatusIsPublic: status.value };
}
