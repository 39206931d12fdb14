import { Construct } from "constructs";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Fn } from "cdktf";
import { MANAGED_SECRETS_ENV } from "../../functions/shared/contracts/managed-secrets";
import { Alarm, type AlarmTopic } from "../constructs/alarm";
import type { SecureKmsKey } from "../constructs/kms-key";
import { NodeFunction } from "../constructs/node-function";
import { policyDocument } from "../constructs/policy-document";
import type { SecretRotation } from "../constructs/secret-rotation";

export interface RotationTriggerProps {
  readonly prefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly kmsKey: SecureKmsKey;
  readonly alarmTopic: AlarmTopic;
  readonly logRetentionDays: number;
  readonly rotation: SecretRotation;
  readonly reservedConcurrency?: number;
  readonly bundleDir?: string;
}

/**
 * On-demand rotation: an encrypted SNS topic whose messages name a secret, and a small function that
 * calls RotateSecret for the secrets of `rotation` only (never the rotation function directly).
 */
export class RotationTrigger extends Construct {
  readonly topic: SnsTopic;
  readonly function: NodeFunction;

  constructor(scope: Construct, id: string, props: RotationTriggerProps) {
    super(scope, id);
    const { accountId, region } = props;
    this.topic = new SnsTopic(this, "topic", { name: `${props.prefix}-rotate`, kmsMasterKeyId: props.kmsKey.arn });
    new SnsTopicPolicy(this, "topic-policy", {
      arn: this.topic.arn,
      policy: policyDocument([
        { Sid: "AccountPrincipalsPublish", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "sns:Publish", Resource: this.topic.arn },
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: this.topic.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ]),
    });
    const secretArns = props.rotation.secrets.map((s) => s.arn);
    this.function = new NodeFunction(this, "function", {
      entry: "rotation-trigger",
      functionName: `${props.prefix}-rotation-trigger`,
      description: "Starts a rotation (RotateSecret) for a managed secret named in an SNS message",
      accountId,
      region,
      kmsKey: props.kmsKey,
      logRetentionDays: props.logRetentionDays,
      timeoutSeconds: 30,
      memorySize: 128,
      reservedConcurrency: props.reservedConcurrency,
      environment: { POWERTOOLS_SERVICE_NAME: "rotation-trigger", [MANAGED_SECRETS_ENV.managedSecretArns]: Fn.join(",", secretArns) },
      // SNS invokes asynchronously: requests that still fail after Lambda's retries reach the alarm topic.
      onFailure: props.alarmTopic,
    });
    this.function.addToRolePolicy({
      Sid: "RotateManagedSecrets",
      Effect: "Allow",
      // ListSecretVersionIds and UpdateSecretVersionStage: to clear an AWSPENDING label an abandoned rotation left.
      Action: ["secretsmanager:RotateSecret", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:UpdateSecretVersionStage"],
      Resource: secretArns,
    });
    // RotateSecret needs the caller to be allowed to invoke the rotation function too.
    this.function.addToRolePolicy({ Sid: "InvokeRotationFunction", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: props.rotation.function.arn });
    props.rotation.admit(this.function.role.arn);

    new LambdaPermission(this, "invoke", {
      statementId: "SnsRotationTrigger",
      action: "lambda:InvokeFunction",
      functionName: this.function.function.functionName,
      principal: "sns.amazonaws.com",
      sourceArn: this.topic.arn,
    });
    new SnsTopicSubscription(this, "subscription", { topicArn: this.topic.arn, protocol: "lambda", endpoint: this.function.arn });
    Alarm.onFunctionErrors(this, "errors", this.function, props.alarmTopic, "A manual rotation request failed (RotateSecret refused or unreachable); see the rotation-trigger log.");
  }
}
