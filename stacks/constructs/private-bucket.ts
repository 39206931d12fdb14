import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { policyDocument, type PolicyStatement } from "./policy-document";
import type { SecureKmsKey } from "./kms-key";

/** Tag stating why a bucket has no server access logs (read by the s3-bucket-access-logged guardrail). */
export const NO_ACCESS_LOGS_TAG = "access-logs-not-needed-because";

export interface PrivateBucketProps {
  readonly bucketName: string;
  readonly kmsKey: SecureKmsKey;
  /** Server access logs go to this bucket under `<bucketName>/`. Give this or `noAccessLogsReason`. @default no access logging */
  readonly accessLogBucket?: string;
  /**
   * Why the bucket needs no server access logs (e.g. "it is the access-log bucket itself"); tagged on
   * the bucket, where the s3-bucket-access-logged guardrail reads it.
   */
  readonly noAccessLogsReason?: string;
  /** Noncurrent object versions are deleted this many days after they stop being current. @default 90 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Current objects are deleted this many days after they were written (e.g. a retention period). @default kept */
  readonly expirationDays?: number;
  /** @default false: a bucket holding data is never destroyed with its objects */
  readonly forceDestroy?: boolean;
}

/**
 * A bucket that cannot be made public by accident: all four Block Public Access flags, ACLs off
 * (bucket owner enforced), SSE-KMS with a bucket key, versioning, and a policy that denies any
 * request not made over TLS (bucket and objects, every principal and action).
 */
export class PrivateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly arn: string;
  readonly name: string;
  /** The bucket's one policy; depend on it when a service must be allowed in before it writes. */
  readonly policy: S3BucketPolicy;
  private readonly statements: PolicyStatement[];

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "this", {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? false,
      tags: props.noAccessLogsReason ? { [NO_ACCESS_LOGS_TAG]: props.noAccessLogsReason } : undefined,
    });
    this.arn = this.bucket.arn;
    this.name = this.bucket.bucket;
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKey.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketVersioningA(this, "versioning", { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } });
    this.statements = [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ];
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      // Rendered at synth time so that statements added after construction land in the one policy.
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
      // S3 rejects a policy change while the public access block is being applied.
      dependsOn: [publicAccessBlock],
    });
    // Versioning keeps every overwrite: expire old versions and abandoned uploads so they are not
    // kept forever. The bucket's one lifecycle configuration (a second one would overwrite it).
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: props.expirationDays ? "expire-objects-noncurrent-versions-and-incomplete-uploads" : "expire-noncurrent-versions-and-incomplete-uploads",
          status: "Enabled",
          filter: [{ prefix: "" }],
          ...(props.expirationDays ? { expiration: [{ days: props.expirationDays }] } : {}),
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays ?? 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    if (props.accessLogBucket) {
      new S3BucketLoggingA(this, "logging", { bucket: this.bucket.id, targetBucket: props.accessLogBucket, targetPrefix: `${props.bucketName}/` });
    }
  }

  /** Adds a statement to the bucket's one policy (a bucket has a single policy; a second resource would overwrite it). */
  addToResourcePolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }
}
