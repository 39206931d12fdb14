/**
 * CloudTrail management events that change what the S3 checks read. The stack's EventBridge rule
 * matches exactly these, and the handler acts on exactly these: one list, no dependencies, so the
 * stack can import it at synth.
 */
export const BUCKET_CHANGE_EVENTS = [
  "CreateBucket",
  "DeleteBucket",
  "PutBucketPolicy",
  "DeleteBucketPolicy",
  "PutBucketAcl",
  "PutPublicAccessBlock",
  "DeletePublicAccessBlock",
  "PutBucketPublicAccessBlock",
  "DeleteBucketPublicAccessBlock",
  "PutBucketEncryption",
  "DeleteBucketEncryption",
  "PutBucketVersioning",
  "PutBucketOwnershipControls",
  "DeleteBucketOwnershipControls",
] as const;
