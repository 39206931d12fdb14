import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { defaultSecretName, ENGINES } from "../../functions/shared/contracts/database-secret";
import type { AppConfig } from "../config";
import { PlatformStack } from "../platform-stack";
import { policyDocument } from "../constructs/policy-document";
import { SecretRotation } from "../constructs/secret-rotation";
import { RotationTrigger } from "./rotation-trigger";
import { SecretAgeMonitor } from "./secret-age-monitor";

/**
 * Credential management: the ClickHouse and PostgreSQL secrets of the environment (values stored by
 * setup-credentials, never by Terraform), their rotation, an SNS trigger for rotation on demand,
 * failure and age alarms, and the operator role the CLIs use.
 */
export class CredentialsStack extends PlatformStack {
  readonly rotation: SecretRotation;

  constructor(scope: Construct, config: AppConfig) {
    super(scope, "credentials", config);
    const { accountId, region, logRetentionDays, credentials: settings } = config;
    const common = { accountId, region, kmsKey: this.kmsKey, alarmTopic: this.alarmTopic, logRetentionDays };
    const operator = new IamRole(this, "operator-role", {
      name: `${this.prefix}-operator`,
      description: "Stores, rotates and rolls back the environment's database secrets (setup-credentials, rotate, rollback)",
      maxSessionDuration: 3600,
      assumeRolePolicy: policyDocument([
        { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "sts:AssumeRole", Condition: { Bool: { "aws:MultiFactorAuthPresent": true } } },
      ]),
    });

    this.rotation = new SecretRotation(this, "rotation", { ...common, functionName: `${this.prefix}-secret-rotation`, vpc: settings.vpc, reservedConcurrency: settings.reservedConcurrency });
    const secrets = ENGINES.map((engine) =>
      this.rotation.addSecret(engine, {
        name: settings.secretNames[engine] ?? defaultSecretName(engine, config.environment),
        description: `${engine} credentials of the ${config.environment} data pipeline (rotated every ${settings.rotationDays} days)`,
        engine,
        rotationDays: settings.rotationDays,
        readerRoleArns: settings.readerRoleArns,
        operatorRoleArns: [operator.arn, ...settings.operatorRoleArns],
        masterSecretArn: engine === "postgres" ? settings.postgresMasterSecretArn : undefined,
      }),
    );
    new IamRolePolicy(this, "operator-policy", {
      role: operator.id,
      name: "manage-database-secrets",
      policy: policyDocument([
        {
          Sid: "ManageSecrets",
          Effect: "Allow",
          Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage", "secretsmanager:RotateSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:GetResourcePolicy"],
          Resource: secrets.map((s) => s.arn),
        },
        { Sid: "InvokeRotationThroughSecretsManager", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: this.rotation.function.arn },
        { Sid: "UseSecretsKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: this.kmsKey.arn, Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } } },
      ]),
    });
    const trigger = new RotationTrigger(this, "trigger", { ...common, prefix: this.prefix, rotation: this.rotation, reservedConcurrency: settings.reservedConcurrency });
    new SecretAgeMonitor(this, "age-monitor", { ...common, prefix: this.prefix, secrets });

    secrets.forEach((s, i) => new TerraformOutput(this, `secretArn${ENGINES[i] === "postgres" ? "Postgres" : "Clickhouse"}`, { value: s.arn, description: `ARN of ${s.name}` }));
    new TerraformOutput(this, "rotationTopicArn", { value: trigger.topic.arn, description: 'Publish {"secretId": "<name>"} here to rotate now' });
    new TerraformOutput(this, "operatorRoleArn", { value: operator.arn, description: "Role for setup-credentials, rotate and rollback (MFA required)" });
    new TerraformOutput(this, "rotationFunctionName", { value: this.rotation.function.functionName, description: "The rotation function (invoked only by Secrets Manager)" });
  }
}
