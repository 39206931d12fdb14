import { Construct } from "constructs";
import { Fn, Lazy } from "cdktf";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Engine } from "../../functions/shared/contracts/database-secret";
import { Alarm, type AlarmTopic } from "./alarm";
import type { SecureKmsKey } from "./kms-key";
import { NodeFunction } from "./node-function";
import { policyDocument, type PolicyStatement } from "./policy-document";

/**
 * Actions that read or change a secret's value: only the principals a secret names may call them.
 * RotateSecret is not among them: Terraform calls it to configure rotation, and it only asks the
 * rotation function (an admitted principal) to change the value.
 */
const GUARDED_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"];

/**
 * Encrypts a function's environment with the customer key (Lambda's `kms_key_arn`) and lets its role
 * decrypt it through Lambda only. NodeFunction has no prop for it yet; when it gains one, use that.
 */
export interface SecretRotationVpc {
  readonly subnetIds: readonly string[];
  /** The function's security groups; they must reach the databases (and the endpoint on 443). */
  readonly securityGroupIds: readonly string[];
  /**
   * With it, an interface endpoint for Secrets Manager is created in these subnets for the rotation
   * function alone: private DNS off (the function is given the endpoint's own DNS name), so other
   * workloads in the VPC keep their route to Secrets Manager and a VPC that already has a private-DNS
   * Secrets Manager endpoint (e.g. the Aurora stack's) does not refuse a second one.
   */
  readonly vpcId?: string;
}

export interface SecretRotationProps {
  /** The rotation function's name; it also names its role, log group and resources. */
  readonly functionName: string;
  readonly accountId: string;
  readonly region: string;
  /** Encrypts the secrets, the function's log group and environment, and the failure queue. */
  readonly kmsKey: SecureKmsKey;
  /** Receives rotation failures (EventBridge) and the function's error alarm. */
  readonly alarmTopic: AlarmTopic;
  readonly logRetentionDays: number;
  /** Run the function in a VPC for private databases. @default no VPC */
  readonly vpc?: SecretRotationVpc;
  /** @default 60 (four steps with database round trips; the 3 s default is far too short) */
  readonly timeoutSeconds?: number;
  /** @default no reservation */
  readonly reservedConcurrency?: number;
  /** @default dist/functions */
  readonly bundleDir?: string;
}

export interface RotatedSecretProps {
  /** The secret's name, e.g. avesa/postgres/dev. */
  readonly name: string;
  readonly description: string;
  readonly engine: Engine;
  /** @default 90 */
  readonly rotationDays?: number;
  /** Roles that may read the value (GetSecretValue), e.g. an RDS Proxy's role or an application's role. @default none */
  readonly readerRoleArns?: readonly string[];
  /** Roles that may store, roll back and rotate the value (setup-credentials, rollback, rotate). @default none */
  readonly operatorRoleArns?: readonly string[];
  /** Alternating users: the master secret the function logs in with. @default none (single user) */
  readonly masterSecretArn?: string;
  /** @default 30 */
  readonly recoveryWindowInDays?: number;
}

/** One secret under rotation: no value in Terraform (setup-credentials stores it). */
export class RotatedSecret extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly arn: string;
  readonly name: string;
  readonly rotationDays: number;

  constructor(scope: Construct, id: string, rotation: SecretRotation, props: RotatedSecretProps, permission: LambdaPermission) {
    super(scope, id);
    this.name = props.name;
    this.rotationDays = props.rotationDays ?? 90;
    this.secret = new SecretsmanagerSecret(this, "this", {
      name: props.name,
      description: props.description,
      kmsKeyId: rotation.kmsKey.arn,
      recoveryWindowInDays: props.recoveryWindowInDays ?? 30,
      tags: { engine: props.engine },
    });
    this.arn = this.secret.arn;
    const readers = props.readerRoleArns ?? [];
    // Rendered at synth, so roles admitted later (rotation.admit) are in it.
    const statements = (): PolicyStatement[] => [
      {
        Sid: "OnlyNamedRolesUseTheValue",
        Effect: "Deny",
        Principal: "*",
        Action: GUARDED_ACTIONS,
        Resource: "*",
        Condition: { StringNotEquals: { "aws:PrincipalArn": [rotation.function.role.arn, ...readers, ...(props.operatorRoleArns ?? []), ...rotation.extraAdmitted] } },
      },
      ...(readers.length > 0
        ? [{ Sid: "ReadersGetTheValue", Effect: "Allow" as const, Principal: { AWS: [...readers] }, Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: "*" }]
        : []),
    ];
    new SecretsmanagerSecretPolicy(this, "policy", {
      secretArn: this.secret.arn,
      blockPublicPolicy: true,
      policy: Lazy.stringValue({ produce: () => policyDocument(statements()) }),
    });
    new SecretsmanagerSecretRotation(this, "rotation", {
      secretId: this.secret.id,
      rotationLambdaArn: rotation.function.arn,
      rotationRules: { automaticallyAfterDays: this.rotationDays },
      // No rotation at apply time: the secret has no value until setup-credentials stores one, and
      // testSecret passes on a secret without a value, so enabling rotation never fails the first apply.
      rotateImmediately: false,
      // Without the invoke permission in place: "Secrets Manager cannot invoke the specified Lambda function".
      dependsOn: [permission],
    });
  }
}

/**
 * Rotation for a stack's own database secrets: the rotation function (Secrets Manager's four steps
 * for PostgreSQL and ClickHouse), its invoke permission for secretsmanager.amazonaws.com pinned to
 * the account, least-privilege grants on exactly the added secrets and their key, an EventBridge rule
 * sending rotation failures to the alarm topic, and optionally a VPC with a Secrets Manager endpoint.
 * Each `addSecret` creates a secret under the customer key with a resource policy admitting only the
 * roles it names and a rotation schedule. Other stacks (Aurora) instantiate it for their secrets.
 */
export class SecretRotation extends Construct {
  readonly function: NodeFunction;
  readonly kmsKey: SecureKmsKey;
  readonly secrets: RotatedSecret[] = [];
  /** Principals every secret here admits besides its own list (e.g. the stack's trigger function). */
  readonly extraAdmitted: string[] = [];
  private readonly permission: LambdaPermission;
  private readonly secretArns: string[] = [];
  private readonly masterSecretArns: string[] = [];

  constructor(scope: Construct, id: string, props: SecretRotationProps) {
    super(scope, id);
    this.kmsKey = props.kmsKey;
    const { accountId, region } = props;
    this.function = new NodeFunction(this, "function", {
      entry: "secret-rotation",
      functionName: props.functionName,
      description: "Rotates database secrets (createSecret, setSecret, testSecret, finishSecret) for PostgreSQL and ClickHouse",
      accountId,
      region,
      kmsKey: props.kmsKey,
      logRetentionDays: props.logRetentionDays,
      timeoutSeconds: props.timeoutSeconds ?? 60,
      memorySize: 256,
      reservedConcurrency: props.reservedConcurrency,
      vpc: props.vpc ? { subnetIds: props.vpc.subnetIds, securityGroupIds: props.vpc.securityGroupIds } : undefined,
      // Node 20+ runtimes no longer trust the RDS CA bundle by default; this file carries it.
      environment: { POWERTOOLS_SERVICE_NAME: "secret-rotation", NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem" },
      // No failure destination: Secrets Manager invokes it synchronously and retries the rotation itself.
    });
    // Filled by addSecret; the role policy is rendered at synth, when every secret is known.
    this.function.addToRolePolicy({
      Sid: "RotateOwnSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
      Resource: this.secretArns,
    });
    // GetRandomPassword acts on no resource, so it cannot be scoped.
    this.function.addToRolePolicy({ Sid: "GeneratePasswords", Effect: "Allow", Action: "secretsmanager:GetRandomPassword", Resource: "*" });
    this.function.addToRolePolicy({
      Sid: "UseSecretsKeyThroughSecretsManager",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: props.kmsKey.arn,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
    });

    // Secrets Manager does not send a source ARN for rotation invocations; the account is what can be pinned.
    this.permission = new LambdaPermission(this, "invoke", {
      statementId: "SecretsManagerRotation",
      action: "lambda:InvokeFunction",
      functionName: this.function.function.functionName,
      principal: "secretsmanager.amazonaws.com",
      sourceAccount: accountId,
    });

    if (props.vpc?.vpcId) this.secretsManagerEndpoint(props.vpc as Required<SecretRotationVpc>, region);
    this.failureRule(props);
    Alarm.onFunctionErrors(this, "errors", this.function, props.alarmTopic, `A rotation step of ${props.functionName} failed; the secret keeps its AWSCURRENT value (see the function's log).`);
  }

  /** A secret under rotation by this function. */
  addSecret(id: string, props: RotatedSecretProps): RotatedSecret {
    if (props.masterSecretArn) {
      if (this.masterSecretArns.length === 0) {
        this.function.addToRolePolicy({ Sid: "ReadMasterSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: this.masterSecretArns });
      }
      this.masterSecretArns.push(props.masterSecretArn);
    }
    const secret = new RotatedSecret(this, id, this, props, this.permission);
    this.secrets.push(secret);
    this.secretArns.push(secret.arn);
    return secret;
  }

  /**
   * Rotates a secret another construct owns (e.g. Aurora's `lambda_writer` secret, whose resource
   * policy that construct keeps): the function gets the same grants as for its own secrets, and the
   * schedule waits for the invoke permission. The owner must admit `this.function.role.arn` to the value.
   */
  rotateExisting(id: string, existing: { readonly secretId: string; readonly secretArn: string; readonly rotationDays?: number }): SecretsmanagerSecretRotation {
    this.secretArns.push(existing.secretArn);
    return new SecretsmanagerSecretRotation(this, `${id}-rotation`, {
      secretId: existing.secretId,
      rotationLambdaArn: this.function.arn,
      rotationRules: { automaticallyAfterDays: existing.rotationDays ?? 90 },
      // The first value comes from its owner (the Aurora bootstrap), not from a rotation at apply time.
      rotateImmediately: false,
      dependsOn: [this.permission],
    });
  }

  /** Admits a role (e.g. a trigger function's) on every secret of this construct. */
  admit(roleArn: string): void {
    this.extraAdmitted.push(roleArn);
  }

  private secretsManagerEndpoint(vpc: Required<SecretRotationVpc>, region: string): void {
    const sg = new SecurityGroup(this, "endpoint-sg", {
      name: `${this.function.functionName}-secretsmanager-endpoint`,
      description: "Secrets Manager interface endpoint: HTTPS from the rotation function only",
      vpcId: vpc.vpcId,
    });
    vpc.securityGroupIds.forEach((source, i) => {
      new VpcSecurityGroupIngressRule(this, `endpoint-from-function-${i}`, {
        securityGroupId: sg.id,
        referencedSecurityGroupId: source,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS from the rotation function",
      });
    });
    const endpoint = new VpcEndpoint(this, "secretsmanager-endpoint", {
      vpcId: vpc.vpcId,
      serviceName: `com.amazonaws.${region}.secretsmanager`,
      vpcEndpointType: "Interface",
      // Private DNS would send every Secrets Manager call in the VPC here, where this policy and the
      // security group admit only the rotation function; and AWS refuses a second private-DNS
      // endpoint for the same service in a VPC. The function is pointed at the endpoint instead.
      privateDnsEnabled: false,
      subnetIds: [...vpc.subnetIds],
      securityGroupIds: [sg.id],
      policy: Lazy.stringValue({
        produce: () =>
          policyDocument([
            { Sid: "OwnSecrets", Effect: "Allow", Principal: { AWS: this.function.role.arn }, Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"], Resource: [...this.secretArns, ...this.masterSecretArns] },
            { Sid: "RandomPasswords", Effect: "Allow", Principal: { AWS: this.function.role.arn }, Action: "secretsmanager:GetRandomPassword", Resource: "*" },
          ]),
      }),
    });
    // One Terraform expression (not text around a reference): an address, not a secret.
    this.function.addEnvironment("SECRETS_MANAGER_ENDPOINT", Fn.format("https://%s", [endpoint.dnsEntry.get(0).dnsName]));
  }

  /** Rotation failed or abandoned (CloudTrail service events) for these secrets → the alarm topic, with a DLQ for undeliverable events. */
  private failureRule(props: SecretRotationProps): void {
    const name = `${props.functionName}-failures`;
    const rule = new CloudwatchEventRule(this, "failure-rule", {
      name,
      description: "Secrets Manager rotation failed or abandoned for a secret of this stack",
      eventPattern: Lazy.stringValue({
        produce: () =>
          JSON.stringify({
            source: ["aws.secretsmanager"],
            "detail-type": ["AWS Service Event via CloudTrail", "AWS API Call via CloudTrail"],
            detail: { eventSource: ["secretsmanager.amazonaws.com"], eventName: ["RotationFailed", "RotationAbandoned"], additionalEventData: { SecretId: this.secretArns } },
          }),
      }),
    });
    props.alarmTopic.allowEventBridgeRule(`RotationFailures${this.node.addr.slice(0, 8)}`, rule.arn);
    const dlq = new SqsQueue(this, "failure-dlq", { name: `${name}-dlq`, kmsMasterKeyId: props.kmsKey.arn, messageRetentionSeconds: 1_209_600 });
    new SqsQueuePolicy(this, "failure-dlq-policy", {
      queueUrl: dlq.url,
      policy: policyDocument([
        { Sid: "RuleSendsUndeliverable", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: dlq.arn, Condition: { ArnEquals: { "aws:SourceArn": rule.arn } } },
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: dlq.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ]),
    });
    new CloudwatchEventTarget(this, "failure-target", {
      rule: rule.name,
      arn: props.alarmTopic.arn,
      retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 86_400 },
      deadLetterConfig: { arn: dlq.arn },
    });
  }
}
