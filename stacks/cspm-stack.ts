import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { version } from "../package.json";
import type { AppConfig } from "./config";
import { PlatformStack } from "./platform-stack";
import { NodeFunction } from "./constructs/node-function";
import { IamRestApi } from "./constructs/rest-api";
import { Alarm } from "./constructs/alarm";
import { serviceTrustPolicy } from "./constructs/policy-document";
import { EventTrigger } from "./constructs/event-trigger";
import { BUCKET_CHANGE_EVENTS } from "../functions/s3-auditor/change-events";
import { METRICS_FUNCTION, METRICS_NAMESPACE } from "../functions/s3-auditor/metrics";

/** The KMS auditor's API routes; the S3 auditor and people may invoke exactly these. */
export const KMS_AUDIT_ROUTES = ["health", "audit-key", "key-info"] as const;

/** Read-only S3 configuration calls the bucket checks need (IAM action names, which differ from API names). */
export const S3_AUDIT_ACTIONS = [
  "s3:ListAllMyBuckets",
  "s3:GetBucketLocation",
  "s3:GetBucketPolicy",
  "s3:GetBucketPolicyStatus",
  "s3:GetBucketAcl",
  "s3:GetBucketPublicAccessBlock",
  "s3:GetEncryptionConfiguration",
  "s3:GetBucketVersioning",
  "s3:GetBucketLogging",
  "s3:GetBucketOwnershipControls",
  "s3:GetBucketObjectLockConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "s3:GetBucketNotification",
] as const;

/**
 * CSPM: the KMS key auditor behind an IAM-authenticated REST API, and the S3 bucket auditor that
 * calls it and writes findings to Security Hub and MongoDB.
 */
export class CspmStack extends PlatformStack {
  readonly kmsAuditor: NodeFunction;
  readonly kmsAuditApi: IamRestApi;
  readonly s3Auditor: NodeFunction;

  constructor(scope: Construct, config: AppConfig) {
    super(scope, "cspm", config);
    const { accountId, region, logRetentionDays } = config;
    const partition = "aws";

    this.kmsAuditor = new NodeFunction(this, "kms-auditor", {
      entry: "kms-auditor",
      functionName: `${this.prefix}-kms-auditor`,
      description: "Audits KMS keys (rotation, deletion, state, policy exposure) for the KMS audit API",
      accountId,
      region,
      kmsKey: this.kmsKey,
      logRetentionDays,
      timeoutSeconds: 20,
      memorySize: 256,
      environment: { POWERTOOLS_SERVICE_NAME: "kms-auditor", SERVICE_VERSION: version, AUDIT_REGIONS: config.cspm.auditRegions.join(",") },
      // No failure destination: API Gateway invokes it synchronously, so one would never fire and
      // would only add sns:Publish and the topic key's data-key calls to a read-only role.
    });
    // Read-only calls on key metadata, policy, rotation, aliases and tags; keys of this account only.
    this.kmsAuditor.addToRolePolicy({
      Sid: "ReadKeyConfiguration",
      Effect: "Allow",
      Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
      Resource: `arn:${partition}:kms:*:${accountId}:key/*`,
    });
    // ListAliases supports no resource-level permissions.
    this.kmsAuditor.addToRolePolicy({ Sid: "ListAliases", Effect: "Allow", Action: "kms:ListAliases", Resource: "*" });

    let apiGatewayAccount: ApiGatewayAccount | undefined;
    if (config.cspm.manageApiGatewayAccountRole) {
      // API Gateway writes access logs only through this account-wide role.
      const role = new IamRole(this, "apigateway-cloudwatch-role", {
        name: `${this.prefix}-apigateway-cloudwatch`,
        // API Gateway is not documented to send aws:SourceAccount when it assumes this role.
        assumeRolePolicy: serviceTrustPolicy("apigateway.amazonaws.com"),
      });
      new IamRolePolicyAttachment(this, "apigateway-cloudwatch-policy", {
        role: role.name,
        policyArn: `arn:${partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
      });
      apiGatewayAccount = new ApiGatewayAccount(this, "apigateway-account", { cloudwatchRoleArn: role.arn });
    }

    this.kmsAuditApi = new IamRestApi(this, "kms-audit-api", {
      name: `${this.prefix}-kms-audit`,
      description: "KMS key audit API (IAM authorization)",
      routes: KMS_AUDIT_ROUTES.map((path) => ({ method: "POST" as const, path, handler: this.kmsAuditor })),
      kmsKey: this.kmsKey,
      logRetentionDays,
      rateLimit: config.cspm.apiThrottle.rateLimit,
      burstLimit: config.cspm.apiThrottle.burstLimit,
      stageDependsOn: apiGatewayAccount ? [apiGatewayAccount] : undefined,
    });

    Alarm.onFunctionErrors(this, "kms-auditor-errors", this.kmsAuditor, this.alarmTopic, "The KMS auditor function failed (unhandled error or timeout).");

    // The MongoDB connection string is put into this secret out of band, so it never enters Terraform state.
    const mongodbSecret = new SecretsmanagerSecret(this, "mongodb-secret", {
      name: `${this.prefix}/mongodb`,
      description: "MongoDB connection string for CSPM findings (value set out of band)",
      kmsKeyId: this.kmsKey.arn,
      recoveryWindowInDays: 30,
    });

    this.s3Auditor = new NodeFunction(this, "s3-auditor", {
      entry: "s3-auditor",
      functionName: `${this.prefix}-s3-auditor`,
      description: "Audits S3 buckets, asks the KMS audit API about their keys, writes findings to Security Hub and MongoDB",
      accountId,
      region,
      kmsKey: this.kmsKey,
      logRetentionDays,
      timeoutSeconds: 900,
      memorySize: 1024,
      // Throttled asynchronous events (schedule, CloudTrail) are retried by Lambda.
      reservedConcurrency: config.cspm.auditorReservedConcurrency,
      environment: {
        POWERTOOLS_SERVICE_NAME: "s3-auditor",
        KMS_AUDIT_API_URL: this.kmsAuditApi.url,
        AUDIT_REGIONS: config.cspm.auditRegions.join(","),
        AUDIT_CONCURRENCY: String(config.cspm.concurrency),
        MONGODB_SECRET_ARN: mongodbSecret.arn,
        ...(config.cspm.opaUrl ? { OPA_URL: config.cspm.opaUrl } : {}),
      },
      vpc: config.cspm.vpc,
      onFailure: this.alarmTopic,
    });
    const auditor = this.s3Auditor;
    auditor.addToRolePolicy({ Sid: "ReadBucketConfiguration", Effect: "Allow", Action: [...S3_AUDIT_ACTIONS], Resource: "*" });
    auditor.addToRolePolicy({ Sid: "ReadAccountPublicAccessBlock", Effect: "Allow", Action: "s3:GetAccountPublicAccessBlock", Resource: "*" });
    auditor.addToRolePolicy({ Sid: "ResolveKeyAliases", Effect: "Allow", Action: "kms:ListAliases", Resource: "*" });
    auditor.addToRolePolicy({
      Sid: "ImportFindingsToDefaultProduct",
      Effect: "Allow",
      Action: "securityhub:BatchImportFindings",
      Resource: `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`,
    });
    auditor.addToRolePolicy({
      Sid: "UpdateAndReadOwnFindings",
      Effect: "Allow",
      Action: ["securityhub:BatchUpdateFindings", "securityhub:GetFindings"],
      Resource: `arn:${partition}:securityhub:${region}:${accountId}:hub/default`,
    });
    auditor.addToRolePolicy({ Sid: "ReadMongoDbSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: mongodbSecret.arn });
    auditor.addToRolePolicy({
      Sid: "DecryptMongoDbSecret",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: this.kmsKey.arn,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
    });
    // execute-api:Invoke on exactly the KMS audit routes, through the API's own managed policy.
    new IamRolePolicyAttachment(this, "s3-auditor-invokes-kms-audit-api", { role: auditor.role.name, policyArn: this.kmsAuditApi.invokePolicy.arn });

    new EventTrigger(this, "scheduled-audit", {
      name: `${this.prefix}-scheduled-audit`,
      description: "Full S3 audit of the configured regions",
      target: auditor,
      schedule: config.cspm.auditSchedule,
    });
    new EventTrigger(this, "bucket-change-audit", {
      name: `${this.prefix}-bucket-change-audit`,
      description: "Audits a bucket when CloudTrail records a change to its configuration",
      target: auditor,
      eventPattern: {
        source: ["aws.s3"],
        "detail-type": ["AWS API Call via CloudTrail"],
        // A call that failed changed nothing: no audit (and no way to trigger runs by spamming denied calls).
        detail: { eventSource: ["s3.amazonaws.com"], eventName: [...BUCKET_CHANGE_EVENTS], errorCode: [{ exists: false }] },
      },
    });

    Alarm.onFunctionErrors(this, "s3-auditor-errors", auditor, this.alarmTopic, "The S3 auditor failed (unhandled error or timeout).");
    new Alarm(this, "s3-auditor-partial-runs", {
      name: `${this.prefix}-s3-auditor-partial-runs`,
      description: "An audit run was partial (MongoDB unreachable, Security Hub rejected findings or the KMS audit API failed); the next run catches up.",
      topic: this.alarmTopic,
      namespace: METRICS_NAMESPACE,
      metricName: "RunPartial",
      dimensions: { Function: METRICS_FUNCTION },
      statistic: "Maximum",
    });

    new TerraformOutput(this, "kmsAuditApiUrl", { value: this.kmsAuditApi.url, description: "Base URL of the KMS audit API (POST /health, /audit-key, /key-info)" });
    new TerraformOutput(this, "kmsAuditInvokePolicyArn", {
      value: this.kmsAuditApi.invokePolicy.arn,
      description: "Managed policy allowing exactly the KMS audit API routes; attach it to people or roles that call the API",
    });
    new TerraformOutput(this, "s3AuditorFunctionName", { value: auditor.function.functionName, description: "Invoke with {\"buckets\":[...]} for an on-demand audit" });
    new TerraformOutput(this, "mongodbSecretArn", { value: mongodbSecret.arn, description: "Put the MongoDB connection string here (aws secretsmanager put-secret-value)" });
  }
}
