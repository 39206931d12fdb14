import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { policyDocument, type PolicyStatement } from "./policy-document";

export interface SecureKmsKeyProps {
  /** What the key protects; shown in the console. */
  readonly description: string;
  /** Alias without the `alias/` prefix. */
  readonly alias: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition?: string;
  /** @default 30 (the longest window: time to notice a mistaken deletion) */
  readonly deletionWindowInDays?: number;
}

/**
 * A customer-managed symmetric KMS key with rotation always on and a key policy naming its users.
 * The account-root statement is what lets IAM policies grant use of the key (without it the key can
 * become unmanageable); services are added per use with conditions that tie them to our account.
 */
/** How a service statement is tied to this account's resources (confused-deputy protection). */
export interface ServicePin {
  /** Also require aws:SourceArn to match this ARN (pattern), e.g. the account's alarms. */
  readonly sourceArn?: string;
  /**
   * No condition at all, for services that send neither aws:SourceAccount nor aws:SourceArn to KMS
   * (a condition would silently break them). Say which documentation says so.
   */
  readonly unpinnedBecause?: string;
}

export class SecureKmsKey extends Construct {
  readonly key: KmsKey;
  readonly arn: string;
  readonly accountId: string;
  readonly region: string;
  private readonly statements: PolicyStatement[];
  private readonly props: SecureKmsKeyProps;

  constructor(scope: Construct, id: string, props: SecureKmsKeyProps) {
    super(scope, id);
    this.props = props;
    this.accountId = props.accountId;
    this.region = props.region;
    const partition = props.partition ?? "aws";
    this.statements = [
      {
        Sid: "AccountRootManagesKeyAndEnablesIamPolicies",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${props.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ];
    this.key = new KmsKey(this, "this", {
      description: props.description,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      // Rendered at synth time so that grants made after construction land in the policy.
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    this.arn = this.key.arn;
  }

  /** Lets CloudWatch Logs encrypt log groups whose names start with `logGroupPrefix`. */
  allowCloudWatchLogs(logGroupPrefix: string): void {
    const { accountId, region } = this.props;
    const partition = this.props.partition ?? "aws";
    this.addStatementOnce({
      Sid: `CloudWatchLogs${this.statements.length}`,
      Effect: "Allow",
      Principal: { Service: `logs.${region}.amazonaws.com` },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:${logGroupPrefix}*` } },
    });
  }

  /**
   * Lets an AWS service use the key for data keys, e.g. CloudWatch publishing alarms to an encrypted
   * SNS topic. Pinned to this account with aws:SourceAccount (and aws:SourceArn when given), so the
   * service cannot use the key for another account's resources; `unpinnedBecause` drops the
   * condition for services that do not send those keys to KMS (EventBridge).
   */
  allowService(service: string, actions: readonly string[] = ["kms:Decrypt", "kms:GenerateDataKey*"], pin: ServicePin = {}): void {
    const conditions = pin.unpinnedBecause
      ? undefined
      : {
          StringEquals: { "aws:SourceAccount": this.props.accountId },
          ...(pin.sourceArn ? { ArnLike: { "aws:SourceArn": pin.sourceArn } } : {}),
        };
    this.addStatementOnce({
      Sid: `Service${service.replace(/[^A-Za-z0-9]/g, "")}`,
      Effect: "Allow",
      Principal: { Service: service },
      Action: [...actions],
      Resource: "*",
      ...(conditions ? { Condition: conditions } : {}),
    });
  }

  /**
   * Lets an AWS service use the key under conditions that pin it to one resource of ours (e.g.
   * CloudTrail with `aws:SourceArn` of one trail and the trail's encryption context).
   */
  allowServiceWithCondition(sid: string, service: string, actions: readonly string[], condition: NonNullable<PolicyStatement["Condition"]>): void {
    this.addStatementOnce({ Sid: sid, Effect: "Allow", Principal: { Service: service }, Action: [...actions], Resource: "*", Condition: condition });
  }

  /** Names an IAM principal (role ARN) in the key policy for the given actions. */
  allowPrincipal(sid: string, principalArn: string, actions: readonly string[]): void {
    this.addStatementOnce({ Sid: sid, Effect: "Allow", Principal: { AWS: principalArn }, Action: [...actions], Resource: "*" });
  }

  private addStatementOnce(statement: PolicyStatement): void {
    const rendered = JSON.stringify({ ...statement, Sid: undefined });
    if (this.statements.some((s) => JSON.stringify({ ...s, Sid: undefined }) === rendered)) return;
    this.statements.push(statement);
  }
}
