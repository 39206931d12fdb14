import { type Check, type CheckMetadata, result } from "../../check";
import { missingFlags } from "./s3-account-level-public-access-blocks";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_level_public_access_block",
  title: "S3 bucket has all four Block Public Access settings enabled",
  severity: "HIGH",
  securityHubControl: "S3.8",
  resourceType: "AwsS3Bucket",
  description:
    "Bucket-level Block Public Access keeps a bucket private even if the account-level settings are later relaxed; Security Hub does not count the account-level settings for this control.",
  remediation: {
    text: "aws s3api put-public-access-block --bucket <bucket> --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    url: securityHubUrl("S3.8"),
  },
};

export const s3BucketLevelPublicAccessBlock: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket, context }) {
    const pab = bucket.publicAccessBlock;
    if (!pab.ok) return notAvailable(metadata, pab, "bucket's Block Public Access configuration");
    const missing = missingFlags(pab.value);
    if (missing.length === 0) return result(metadata, "PASSED", `Bucket ${bucket.name} blocks public access with all four settings.`);
    const account = context.account.publicAccessBlock;
    // Still a failure (the account setting can be relaxed later), but say when it currently compensates.
    const compensated = account.ok && missing.every((flag) => account.value?.[flag as keyof typeof account.value] === true);
    const what = pab.value === null ? "has no bucket-level Block Public Access configuration" : `leaves ${missing.join(", ")} off`;
    const reason = `Bucket ${bucket.name} ${what}${compensated ? "; the account-level settings block public access for now" : ""}.`;
    return result(metadata, "FAILED", reason, { details: { missingFlags: missing, compensatedByAccount: compensated } });
  },
};
