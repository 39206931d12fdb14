import { type Check, type CheckMetadata, result } from "../../check";
import {
  type Condition,
  type Statement,
  appliesToAllPrincipals,
  conditionEquals,
  describeStatement,
  statementCoversAction,
  statementCoversResource,
} from "../../../iam-policy/policy";
import { bucketPolicy, objectSamples } from "./exposure";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_secure_transport_policy",
  title: "S3 bucket policy denies requests that do not use TLS",
  severity: "MEDIUM",
  securityHubControl: "S3.5",
  resourceType: "AwsS3Bucket",
  description:
    "The bucket policy must Deny every principal every S3 action on the bucket and its objects when aws:SecureTransport is false (Bool or BoolIfExists, \"false\", false or [\"false\"], or StringNotEquals \"true\"), with no other condition narrowing the Deny.",
  remediation: {
    text: 'Add to the bucket policy: {"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::<bucket>","arn:aws:s3:::<bucket>/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}',
    url: securityHubUrl("S3.5"),
  },
};

/** Samples of the action space: a pattern covers "every S3 action" only if it also covers an action no one lists. */
const SAMPLE_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:PutBucketPolicy", "s3:GetBucketAcl", "s3:ZzUnlistedAction"];

/** Holds for a plain-HTTP request: aws:SecureTransport false, in any spelling. */
function isInsecureTransportCondition(condition: Condition): boolean {
  // conditionEquals honours StringEquals' case: {"StringEquals": {"aws:SecureTransport": "False"}} never holds.
  if (conditionEquals(condition, "aws:SecureTransport", "false")) return true;
  // StringNotEquals "true" also matches "false" (and an absent key): the same Deny, spelled negatively.
  return (
    condition.key === "aws:securetransport" &&
    condition.setQualifier === undefined &&
    (condition.baseOperator === "StringNotEquals" || condition.baseOperator === "StringNotEqualsIgnoreCase") &&
    condition.values.length > 0 &&
    condition.values.every((v) => v.toLowerCase() === "true")
  );
}

/** `StringEquals "False"` (or "FALSE"): written for plain HTTP, but the key's value is "false", so it never matches. */
function neverMatchesInsecureTransport(condition: Condition): boolean {
  return condition.key === "aws:securetransport" && condition.baseOperator === "StringEquals" && condition.values.some((v) => v !== "false" && v.toLowerCase() === "false");
}

function isTlsDeny(s: Statement): boolean {
  return s.effect === "Deny" && s.conditions.some(isInsecureTransportCondition);
}

/** Why a TLS Deny falls short, for the finding. */
function shortfall(s: Statement, resources: readonly string[]): string | undefined {
  if (!appliesToAllPrincipals(s)) return `${describeStatement(s)} does not apply to every principal`;
  const extra = s.conditions.filter((c) => !isInsecureTransportCondition(c));
  if (extra.length > 0) return `${describeStatement(s)} is narrowed by other conditions (${extra.map((c) => `${c.operator} ${c.keyAsWritten}`).join(", ")})`;
  const actions = SAMPLE_ACTIONS.filter((a) => !statementCoversAction(s, a));
  if (actions.length > 0) return `${describeStatement(s)} does not cover every S3 action (e.g. ${actions[0]})`;
  const uncovered = resources.filter((r) => !statementCoversResource(s, r));
  if (uncovered.length > 0) return `${describeStatement(s)} does not cover ${[...new Set(uncovered.map((r) => (r.includes("/") ? "the objects" : "the bucket")))].join(" or ")}`;
  return undefined;
}

export const s3BucketSecureTransportPolicy: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket }) {
    const parsed = bucketPolicy(bucket.policy);
    if (!parsed.ok) return notAvailable(metadata, parsed, "bucket policy");
    if (parsed.policy === null) return result(metadata, "FAILED", `Bucket ${bucket.name} has no bucket policy, so it accepts requests without TLS.`);
    // Every object must be covered: one key per object pattern the policy names (so a NotResource or a
    // narrower pattern elsewhere is tested), a nested key, and the literal key `*`, which only a pattern
    // matching every key (`bucket/*`, `bucket*`, `*`) matches.
    const resources = [bucket.arn, ...new Set([...objectSamples(parsed.policy, bucket.arn), `${bucket.arn}/zz-any/key`, `${bucket.arn}/*`])];
    const tlsDenies = parsed.policy.statements.filter(isTlsDeny);
    const complete = tlsDenies.filter((s) => appliesToAllPrincipals(s) && s.conditions.every(isInsecureTransportCondition));
    // Coverage may be split across statements (one for the bucket, one for the objects): every pair must be denied.
    const uncovered = SAMPLE_ACTIONS.flatMap((a) => resources.map((r) => [a, r] as const)).filter(
      ([a, r]) => !complete.some((s) => statementCoversAction(s, a) && statementCoversResource(s, r)),
    );
    if (uncovered.length === 0) {
      return result(metadata, "PASSED", `Bucket ${bucket.name} denies requests without TLS (${complete.map(describeStatement).join(", ")}).`);
    }
    if (tlsDenies.length === 0) {
      const dead = parsed.policy.statements.filter((s) => s.effect === "Deny" && s.conditions.some(neverMatchesInsecureTransport));
      const why = dead.length > 0 ? ` ${dead.map(describeStatement).join(", ")} never applies: StringEquals is case-sensitive and aws:SecureTransport is "false", not "False"; use {"Bool": {"aws:SecureTransport": "false"}}.` : "";
      return result(metadata, "FAILED", `Bucket ${bucket.name}'s policy has no Deny on aws:SecureTransport false.${why}`, dead.length > 0 ? { details: { statements: dead.map((s) => s.index) } } : {});
    }
    const why = tlsDenies.map((s) => shortfall(s, resources)).filter((w): w is string => w !== undefined);
    const reasons = why.length > 0 ? why : [`the TLS Deny statements together leave ${uncovered[0]![0]} on ${uncovered[0]![1].includes("/") ? "objects" : "the bucket"} allowed without TLS`];
    return result(metadata, "FAILED", `Bucket ${bucket.name}'s TLS-only policy is incomplete: ${reasons.join("; ")}.`, { details: { statements: tlsDenies.map((s) => s.index) } });
  },
};
