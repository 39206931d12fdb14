import type { Check, CheckMetadata } from "../../check";
import { READ } from "./exposure";
import { evaluatePublicAccess } from "./public-exposure-check";
import { type BucketCheckInput, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_public_read",
  title: "S3 bucket is not publicly readable (policy and ACL, after Block Public Access)",
  severity: "CRITICAL",
  securityHubControl: "S3.2",
  resourceType: "AwsS3Bucket",
  description:
    "Judges effective public read access: policy statements that allow anyone (after Deny statements and conditions that pin the caller) and ACL grants to AllUsers or AuthenticatedUsers, unless RestrictPublicBuckets or IgnorePublicAcls (account or bucket level) neutralises them.",
  remediation: {
    text: "Remove the public policy statements and ACL grants, then turn on Block Public Access for the bucket and the account (aws s3api put-public-access-block ...). Serve public content through CloudFront with origin access control instead.",
    url: securityHubUrl("S3.2"),
  },
};

export const s3BucketPublicRead: Check<BucketCheckInput> = {
  metadata,
  evaluate: (input) => evaluatePublicAccess(metadata, READ, input),
};
