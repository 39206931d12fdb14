import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import type { AppConfig } from "./config";
import { PlatformStack } from "./platform-stack";
import { NodeFunction } from "./constructs/node-function";
import { IamRestApi } from "./constructs/rest-api";
import { Alarm } from "./constructs/alarm";
import { serviceTrustPolicy } from "./constructs/policy-document";

/** The KMS auditor's API routes; the S3 auditor and people may invoke exactly these. */
export const KMS_AUDIT_ROUTES = ["health", "audit-key", "key-info"] as const;

/**
 * CSPM: the KMS key auditor behind an IAM-authenticated REST API, and the S3 bucket auditor that
 * calls it and writes findings to Security Hub and MongoDB.
 */
export class CspmStack extends PlatformStack {
  readonly kmsAuditor: NodeFunction;
  readonly kmsAuditApi: IamRestApi;

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
      environment: { POWERTOOLS_SERVICE_NAME: "kms-auditor", SERVICE_VERSION: "0.1.0" },
      onFailure: this.alarmTopic,
    });
    // Read-only calls on key metadata, policy, rotation, aliases and tags; keys of this account only.
    this.kmsAuditor.addToRolePolicy({
      Sid: "ReadKeyConfiguration",
      Effect: "Allow",
      Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
      Resource: `arn:${partition}:kms:*:${accountId}:key/*`,
    });
    // These list calls support no resource-level permissions.
    this.kmsAuditor.addToRolePolicy({ Sid: "ListKeysAndAliases", Effect: "Allow", Action: ["kms:ListAliases", "kms:ListKeys"], Resource: "*" });

    if (config.cspm.manageApiGatewayAccountRole) {
      // API Gateway writes access logs only through this account-wide role.
      const role = new IamRole(this, "apigateway-cloudwatch-role", {
        name: `${this.prefix}-apigateway-cloudwatch`,
        assumeRolePolicy: serviceTrustPolicy("apigateway.amazonaws.com", accountId),
      });
      new IamRolePolicyAttachment(this, "apigateway-cloudwatch-policy", {
        role: role.name,
        policyArn: `arn:${partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
      });
      new ApiGatewayAccount(this, "apigateway-account", { cloudwatchRoleArn: role.arn });
    }

    this.kmsAuditApi = new IamRestApi(this, "kms-audit-api", {
      name: `${this.prefix}-kms-audit`,
      description: "KMS key audit API (IAM authorization)",
      routes: KMS_AUDIT_ROUTES.map((path) => ({ method: "POST" as const, path, handler: this.kmsAuditor })),
      kmsKey: this.kmsKey,
      logRetentionDays,
      rateLimit: config.cspm.apiThrottle.rateLimit,
      burstLimit: config.cspm.apiThrottle.burstLimit,
    });

    new Alarm(this, "kms-auditor-errors", {
      name: `${this.prefix}-kms-auditor-errors`,
      description: "The KMS auditor function failed (unhandled error or timeout).",
      topic: this.alarmTopic,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: this.kmsAuditor.functionName },
    });

    new TerraformOutput(this, "kmsAuditApiUrl", { value: this.kmsAuditApi.url, description: "Base URL of the KMS audit API (POST /health, /audit-key, /key-info)" });
    new TerraformOutput(this, "kmsAuditInvokePolicyArn", {
      value: this.kmsAuditApi.invokePolicy.arn,
      description: "Managed policy allowing exactly the KMS audit API routes; attach it to people or roles that call the API",
    });
  }
}
