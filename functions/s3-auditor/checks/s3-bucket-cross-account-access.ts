import { type Check, type CheckMetadata, result } from "../../shared/check";
import { describeStatement } from "../../shared/policy";
import { READ, WRITE, bucketPolicy, policyAccess } from "./exposure";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

/** The actions Security Hub S3.6 forbids to other accounts: they hand over control of the bucket. */
const CONTROL_BUCKET_ACTIONS = ["s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration"];
const CONTROL_OBJECT_ACTIONS = ["s3:PutObjectAcl"];

const metadata: CheckMetadata = {
  id: "s3_bucket_cross_account_access",
  title: "S3 bucket policy does not let other accounts control the bucket",
  severity: "HIGH",
  securityHubControl: "S3.6",
  resourceType: "AwsS3Bucket",
  description:
    "Fails when the bucket policy lets another AWS account (or anyone) perform s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy, s3:PutEncryptionConfiguration or s3:PutObjectAcl, after Deny statements. Other cross-account data access is listed in the result.",
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
    const data = policyAccess(parsed.policy, owner, bucket.arn, [...READ.objectActions, ...WRITE.objectActions], [...READ.bucketActions, ...WRITE.bucketActions]);
    const dataGrants = data.crossAccountGrants.map((g) => ({ accountId: g.accountId, actions: g.actions, conditional: g.conditional }));
    const offenders = [
      ...control.crossAccountGrants.map((g) => `account ${g.accountId} may ${g.actions.join(", ")}${g.conditional ? " (under conditions)" : ""} via ${g.statements.map(describeStatement).join(", ")}`),
      ...control.publicGrants.map((g) => `anyone may ${g.actions.join(", ")} via ${describeStatement(g.statement)}`),
    ];
    if (offenders.length > 0) {
      return result(metadata, "FAILED", `Bucket ${bucket.name}'s policy lets other accounts control it: ${offenders.join("; ")}.`, {
        details: { controlGrants: control.crossAccountGrants, publicControlGrants: control.publicGrants, crossAccountDataAccess: dataGrants },
      });
    }
    const others = dataGrants.length > 0 ? ` It grants data access to ${dataGrants.map((g) => `${g.accountId} (${g.actions.join(", ")})`).join("; ")}.` : "";
    return result(metadata, "PASSED", `Bucket ${bucket.name}'s policy gives no other account control of the bucket.${others}`, {
      details: { crossAccountDataAccess: dataGrants },
    });
  },
};
