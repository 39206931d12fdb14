import type { Check, CheckMetadata } from "../../check";
import { WRITE } from "./exposure";
import { evaluatePublicAccess } from "./public-exposure-check";
import { type BucketCheckInput, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_public_write",
  title: "S3 bucket is not publicly writable (policy and ACL, after Block Public Access)",
  severity: "CRITICAL",
  securityHubControl: "S3.3",
  resourceType: "AwsS3Bucket",
  description:
    "Judges effective public write access (objects, ACLs, the policy, deletion): policy statements that allow anyone (after Deny statements and pinning conditions) and ACL WRITE/WRITE_ACP/FULL_CONTROL grants to AllUsers or AuthenticatedUsers, unless Block Public Access neutralises them.",
  remediation: {
    text: "Remove the public write statements and ACL grants immediately, then turn on Block Public Access for the bucket and the account.",
    url: securityHubUrl("S3.3"),
  },
};

export const s3BucketPublicWrite: Check<BucketCheckInput> = {
  metadata,
  evaluate: (input) => evaluatePublicAccess(metadata, WRITE, input),
};
