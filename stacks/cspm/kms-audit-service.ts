import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { KMS_AUDIT_METHOD, KMS_AUDIT_ROUTE_NAMES, KMS_AUDITOR_SERVICE, type KmsAuditorEnvName } from "../../functions/shared/contracts/kms-audit-api";
import { version } from "../../package.json";
import type { AppConfig } from "../config";
import type { PlatformStack } from "../platform-stack";
import { Alarm } from "../constructs/alarm";
import { NodeFunction } from "../constructs/node-function";
import { serviceTrustPolicy } from "../constructs/policy-document";
import { IamRestApi } from "../constructs/rest-api";

/** The KMS auditor's environment, by the names its contract declares. */
type KmsAuditorEnvironment = Partial<Record<KmsAuditorEnvName, string>>;

/**
 * The KMS key auditor behind an IAM-authenticated REST API (routes from its contract). A part of
 * the CSPM stack, not a construct scope of its own: its resources keep the construct ids they had
 * in the stack, because construct ids are public API (a new scope would replace every resource).
 */
export class KmsAuditService {
  readonly function: NodeFunction;
  readonly api: IamRestApi;

  constructor(stack: PlatformStack, config: AppConfig) {
    const { accountId, region, logRetentionDays } = config;
    const environment: KmsAuditorEnvironment = { POWERTOOLS_SERVICE_NAME: KMS_AUDITOR_SERVICE, SERVICE_VERSION: version, AUDIT_REGIONS: config.cspm.auditRegions.join(",") };
    this.function = new NodeFunction(stack, "kms-auditor", {
      entry: "kms-auditor",
      functionName: `${stack.prefix}-kms-auditor`,
      description: "Audits KMS keys (rotation, deletion, state, policy exposure) for the KMS audit API",
      accountId,
      region,
      kmsKey: stack.kmsKey,
      logRetentionDays,
      timeoutSeconds: 20,
      memorySize: 256,
      environment,
      // No failure destination: API Gateway invokes it synchronously, so one would never fire and
      // would only add sns:Publish and the topic key's data-key calls to a read-only role.
    });
    // Read-only calls on key metadata, policy, rotation, aliases and tags; keys of this account only.
    this.function.addToRolePolicy({
      Sid: "ReadKeyConfiguration",
      Effect: "Allow",
      Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
      Resource: `arn:aws:kms:*:${accountId}:key/*`,
    });
    // ListAliases supports no resource-level permissions.
    this.function.addToRolePolicy({ Sid: "ListAliases", Effect: "Allow", Action: "kms:ListAliases", Resource: "*" });

    const apiGatewayAccount = config.cspm.manageApiGatewayAccountRole ? apiGatewayCloudWatchRole(stack) : undefined;
    this.api = new IamRestApi(stack, "kms-audit-api", {
      name: `${stack.prefix}-kms-audit`,
      description: "KMS key audit API (IAM authorization)",
      routes: KMS_AUDIT_ROUTE_NAMES.map((path) => ({ method: KMS_AUDIT_METHOD, path, handler: this.function })),
      kmsKey: stack.kmsKey,
      logRetentionDays,
      rateLimit: config.cspm.apiThrottle.rateLimit,
      burstLimit: config.cspm.apiThrottle.burstLimit,
      stageDependsOn: apiGatewayAccount ? [apiGatewayAccount] : undefined,
    });
    Alarm.onFunctionErrors(stack, "kms-auditor-errors", this.function, stack.alarmTopic, "The KMS auditor function failed (unhandled error or timeout).");
  }
}

/** API Gateway writes access logs only through this account-wide role (one stack per account manages it). */
function apiGatewayCloudWatchRole(stack: PlatformStack): ApiGatewayAccount {
  const role = new IamRole(stack, "apigateway-cloudwatch-role", {
    name: `${stack.prefix}-apigateway-cloudwatch`,
    // API Gateway is not documented to send aws:SourceAccount when it assumes this role.
    assumeRolePolicy: serviceTrustPolicy("apigateway.amazonaws.com"),
  });
  new IamRolePolicyAttachment(stack, "apigateway-cloudwatch-policy", {
    role: role.name,
    policyArn: "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
  });
  return new ApiGatewayAccount(stack, "apigateway-account", { cloudwatchRoleArn: role.arn });
}
