import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Lazy } from "cdktf";
import { policyDocument, type PolicyStatement } from "./policy-document";
import type { SecureKmsKey } from "./kms-key";
import type { FailureDestination, NodeFunction } from "./node-function";

export interface AlarmTopicProps {
  readonly name: string;
  readonly accountId: string;
  readonly kmsKey: SecureKmsKey;
  /** Subscribed by e-mail when set (the recipient must confirm the subscription). */
  readonly email?: string;
}

/** An SNS topic for alarms and failed invocations: KMS-encrypted, TLS-only, publishable by CloudWatch alarms of this account. */
export class AlarmTopic extends Construct implements FailureDestination {
  readonly topic: SnsTopic;
  readonly arn: string;
  private readonly kmsKey: SecureKmsKey;
  private readonly statements: PolicyStatement[];

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.kmsKey = props.kmsKey;
    // CloudWatch sends aws:SourceAccount and aws:SourceArn (the alarm) to KMS: only this account's alarms.
    props.kmsKey.allowService("cloudwatch.amazonaws.com", undefined, { sourceArn: `arn:aws:cloudwatch:${props.kmsKey.region}:${props.accountId}:alarm:*` });
    this.topic = new SnsTopic(this, "this", { name: props.name, kmsMasterKeyId: props.kmsKey.arn });
    this.arn = this.topic.arn;
    this.statements = [
      {
        Sid: "CloudWatchAlarmsOfThisAccount",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: this.topic.arn,
        Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: this.topic.arn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ];
    new SnsTopicPolicy(this, "policy", {
      arn: this.topic.arn,
      // Rendered at synth so rules added later (allowEventBridgeRule) land in it.
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
    });
    if (props.email) {
      new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.email });
    }
  }

  /** Lets one EventBridge rule publish its matched events here (pinned to the rule's ARN). */
  allowEventBridgeRule(sid: string, ruleArn: string): void {
    this.kmsKey.allowService("events.amazonaws.com");
    this.statements.push({ Sid: sid, Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Resource: this.arn, Condition: { ArnEquals: { "aws:SourceArn": ruleArn } } });
  }

  grantPublish(fn: NodeFunction): void {
    fn.addToRolePolicy({ Sid: "PublishToAlarmTopic", Effect: "Allow", Action: "sns:Publish", Resource: this.arn });
    fn.addToRolePolicy({
      Sid: "EncryptForAlarmTopic",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: this.kmsKey.arn,
      // Only through SNS: the grant is for publishing to this topic, not for decrypting with the key.
      Condition: { StringEquals: { "kms:ViaService": `sns.${this.kmsKey.region}.amazonaws.com` } },
    });
  }
}

export interface AlarmProps {
  readonly name: string;
  readonly description: string;
  readonly topic: AlarmTopic;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** @default "Sum" */
  readonly statistic?: string;
  /** @default 1 (alarm on the first occurrence) */
  readonly threshold?: number;
  /** @default 300 */
  readonly periodSeconds?: number;
}

/** A CloudWatch alarm that notifies the alarm topic when it fires and when it recovers; missing data is not a breach. */
export class Alarm extends Construct {
  readonly alarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: AlarmProps) {
    super(scope, id);
    this.alarm = new CloudwatchMetricAlarm(this, "this", {
      alarmName: props.name,
      alarmDescription: props.description,
      namespace: props.namespace,
      metricName: props.metricName,
      dimensions: { ...props.dimensions },
      statistic: props.statistic ?? "Sum",
      period: props.periodSeconds ?? 300,
      evaluationPeriods: 1,
      threshold: props.threshold ?? 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [props.topic.arn],
      okActions: [props.topic.arn],
    });
  }

  /** Alarms on the first unhandled error or timeout of a function. */
  static onFunctionErrors(scope: Construct, id: string, fn: NodeFunction, topic: AlarmTopic, description: string): Alarm {
    return new Alarm(scope, id, {
      name: `${fn.functionName}-errors`,
      description,
      topic,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: fn.functionName },
    });
  }
}
