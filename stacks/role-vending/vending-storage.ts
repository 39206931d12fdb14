import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Construct } from "constructs";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { TIERS } from "../../functions/shared/contracts/role-vending-api";
import { PrivateBucket } from "../constructs/private-bucket";
import { policyDocument } from "../constructs/policy-document";
import type { SecureKmsKey } from "../constructs/kms-key";

/** The tier policy templates in the repository (JSON with {{mustache}} variables). */
export const TEMPLATE_DIR = join(__dirname, "templates");

export interface VendingStorageProps {
  readonly prefix: string;
  readonly kmsKey: SecureKmsKey;
}

/**
 * What the vendor reads and writes besides the table: the private, versioned template bucket with
 * the repository's templates uploaded to `templates/<tier>.json`, the private report bucket, and
 * the encrypted SNS topic approvers subscribe to.
 */
export class VendingStorage extends Construct {
  readonly templates: PrivateBucket;
  readonly reports: PrivateBucket;
  readonly approvalTopic: SnsTopic;

  constructor(scope: Construct, id: string, props: VendingStorageProps) {
    super(scope, id);
    // Old template versions stay a year (who had which policy when); reports 400 days.
    this.templates = new PrivateBucket(this, "templates", {
      bucketName: `${props.prefix}-templates`,
      kmsKey: props.kmsKey,
      noncurrentVersionExpirationDays: 365,
      noAccessLogsReason: "only the stack writes it (Terraform) and the vendor reads it; CloudTrail records both",
    });
    for (const tier of TIERS) {
      new S3Object(this, `template-${tier}`, {
        bucket: this.templates.bucket.id,
        key: `templates/${tier}.json`,
        content: readFileSync(join(TEMPLATE_DIR, `${tier}.json`), "utf8"),
        contentType: "application/json",
      });
    }
    this.reports = new PrivateBucket(this, "reports", {
      bucketName: `${props.prefix}-reports`,
      kmsKey: props.kmsKey,
      expirationDays: 400,
      noncurrentVersionExpirationDays: 30,
      noAccessLogsReason: "written by the report function and read by approvers with the CLI; CloudTrail data events cover reads if needed",
    });
    this.approvalTopic = new SnsTopic(this, "approval-topic", { name: `${props.prefix}-approvals`, kmsMasterKeyId: props.kmsKey.arn });
    new SnsTopicPolicy(this, "approval-topic-policy", {
      arn: this.approvalTopic.arn,
      policy: policyDocument([
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: ["sns:Publish", "sns:Subscribe"], Resource: this.approvalTopic.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ]),
    });
  }
}
