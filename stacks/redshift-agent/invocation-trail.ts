import { Construct } from "constructs";
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { PrivateBucket } from "../constructs/private-bucket";
import type { SecureKmsKey } from "../constructs/kms-key";

export interface InvocationTrailProps {
  readonly name: string;
  readonly bucketName: string;
  readonly accountId: string;
  readonly region: string;
  readonly kmsKey: SecureKmsKey;
  readonly functionArn: string;
  /** Days the records are kept. */
  readonly retentionDays: number;
}

/**
 * Who invoked the agent, and when: CloudTrail Lambda data events for this one function only (a
 * direct invoke carries no caller identity into the function, so its own logs cannot say), written
 * encrypted with the stack's key into a private bucket that expires them after the retention.
 */
export class InvocationTrail extends Construct {
  readonly trail: Cloudtrail;
  readonly bucket: PrivateBucket;

  constructor(scope: Construct, id: string, props: InvocationTrailProps) {
    super(scope, id);
    const { accountId, region } = props;
    // Built from names, not the trail's attribute: the bucket and key policies must exist before the trail.
    const trailArn = `arn:aws:cloudtrail:${region}:${accountId}:trail/${props.name}`;
    const fromThisTrail = { "aws:SourceArn": trailArn };

    this.bucket = new PrivateBucket(this, "bucket", {
      bucketName: props.bucketName,
      kmsKey: props.kmsKey,
      // Invocation records expire after the retention (the bucket's one lifecycle configuration).
      expirationDays: props.retentionDays,
      noncurrentVersionExpirationDays: 30,
      noAccessLogsReason:
        "only CloudTrail writes here (bucket policy pinned to this trail) and the records are themselves the audit trail of the agent; the platform has no access-log bucket to send to",
    });
    this.bucket.addToResourcePolicy({
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: this.bucket.arn,
      Condition: { StringEquals: fromThisTrail },
    });
    this.bucket.addToResourcePolicy({
      Sid: "CloudTrailWrite",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${this.bucket.arn}/AWSLogs/${accountId}/*`,
      Condition: { StringEquals: { ...fromThisTrail, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });

    props.kmsKey.allowServiceWithCondition("CloudTrailEncryptsInvocationRecords", "cloudtrail.amazonaws.com", ["kms:GenerateDataKey*"], {
      StringEquals: fromThisTrail,
      StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${accountId}:trail/*` },
    });
    props.kmsKey.allowServiceWithCondition("CloudTrailDescribesKey", "cloudtrail.amazonaws.com", ["kms:DescribeKey"], { StringEquals: fromThisTrail });

    this.trail = new Cloudtrail(this, "this", {
      name: props.name,
      s3BucketName: this.bucket.name,
      kmsKeyId: props.kmsKey.arn,
      enableLogFileValidation: true,
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      // Selectors are OR'ed: the function itself, and its aliases and versions (qualified ARNs).
      advancedEventSelector: [
        { name: "Invocations of the agent", fieldSelector: dataEventsOf({ equalTo: [props.functionArn] }) },
        { name: "Invocations of the agent's aliases", fieldSelector: dataEventsOf({ startsWith: [`${props.functionArn}:`] }) },
      ],
      // CloudTrail checks the bucket policy when the trail is created.
      dependsOn: [this.bucket.policy],
    });
  }
}

function dataEventsOf(arn: { equalTo?: string[]; startsWith?: string[] }) {
  return [
    { field: "eventCategory", equalTo: ["Data"] },
    { field: "resources.type", equalTo: ["AWS::Lambda::Function"] },
    { field: "resources.ARN", ...arn },
  ];
}
