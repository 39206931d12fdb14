import { createHash } from "node:crypto";
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayRestApiPolicy } from "@cdktf/provider-aws/lib/api-gateway-rest-api-policy";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayRequestValidator } from "@cdktf/provider-aws/lib/api-gateway-request-validator";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { ROUTES } from "../../functions/shared/contracts/role-vending-api";
import { policyDocument } from "../constructs/policy-document";
import { ACCESS_LOG_FORMAT, GATEWAY_RESPONSES, gatewayErrorTemplate } from "../constructs/rest-api";
import { ApiGatewayGatewayResponse } from "@cdktf/provider-aws/lib/api-gateway-gateway-response";
import type { SecureKmsKey } from "../constructs/kms-key";
import type { NodeFunction } from "../constructs/node-function";

export interface VendingApiProps {
  readonly name: string;
  readonly handler: NodeFunction;
  readonly accountId: string;
  readonly kmsKey: SecureKmsKey;
  readonly logRetentionDays: number;
  /** The only source IPs the resource policy lets in. */
  readonly allowedCidrs: readonly string[];
  readonly rateLimit: number;
  readonly burstLimit: number;
  /** @default "v1" */
  readonly stageName?: string;
  readonly stageDependsOn?: ITerraformDependable[];
}

/**
 * The role-vending REST API: the contract's routes (nested resources such as `/grants/{id}/approve`),
 * every method IAM-authorized with a request validator, proxied to one function; a resource policy
 * that admits this account's principals only from the allowed CIDRs and only with MFA; a throttled
 * stage with JSON access logs (KMS-encrypted) and execution metrics.
 */
export class VendingApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly url: string;
  readonly invokePolicy: IamPolicy;

  constructor(scope: Construct, id: string, props: VendingApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? "v1";
    this.api = new ApiGatewayRestApi(this, "this", { name: props.name, description: "Temporary IAM role vending (IAM authorization, MFA, source-IP limited)", endpointConfiguration: { types: ["REGIONAL"] } });
    const anyRoute = "execute-api:/*";
    const resourcePolicy = policyDocument([
      { Sid: "ThisAccountsPrincipals", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${props.accountId}:root` }, Action: "execute-api:Invoke", Resource: anyRoute },
      { Sid: "OnlyFromAllowedNetworks", Effect: "Deny", Principal: "*", Action: "execute-api:Invoke", Resource: anyRoute, Condition: { NotIpAddress: { "aws:SourceIp": [...props.allowedCidrs] } } },
      // Long-term keys carry no MFA key at all: BoolIfExists denies them too.
      { Sid: "OnlyWithMfa", Effect: "Deny", Principal: "*", Action: "execute-api:Invoke", Resource: anyRoute, Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } },
    ]);
    const policy = new ApiGatewayRestApiPolicy(this, "resource-policy", { restApiId: this.api.id, policy: resourcePolicy });
    const parts: Construct[] = [policy];
    for (const response of GATEWAY_RESPONSES) {
      parts.push(new ApiGatewayGatewayResponse(this, `response-${response.type}`, { restApiId: this.api.id, responseType: response.type, responseTemplates: { "application/json": gatewayErrorTemplate(response.code) } }));
    }
    const validator = new ApiGatewayRequestValidator(this, "validator", { restApiId: this.api.id, name: "parameters", validateRequestParameters: true, validateRequestBody: false });

    const resources = new Map<string, { id: string }>([["", { id: this.api.rootResourceId }]]);
    const resourceFor = (path: string): string => {
      const known = resources.get(path);
      if (known) return known.id;
      const parent = path.slice(0, path.lastIndexOf("/"));
      const part = path.slice(path.lastIndexOf("/") + 1);
      const created = new ApiGatewayResource(this, `resource${path.replace(/[{}]/g, "").replace(/\//g, "-")}`, { restApiId: this.api.id, parentId: resourceFor(parent), pathPart: part });
      resources.set(path, created);
      return created.id;
    };
    for (const [name, route] of Object.entries(ROUTES)) {
      const method = new ApiGatewayMethod(this, `method-${name}`, {
        restApiId: this.api.id,
        resourceId: resourceFor(route.path),
        httpMethod: route.method,
        authorization: "AWS_IAM",
        requestValidatorId: validator.id,
        requestParameters: route.path.includes("{id}") ? { "method.request.path.id": true } : undefined,
      });
      const integration = new ApiGatewayIntegration(this, `integration-${name}`, {
        restApiId: this.api.id,
        resourceId: method.resourceId,
        httpMethod: method.httpMethod,
        type: "AWS_PROXY",
        integrationHttpMethod: "POST",
        uri: props.handler.function.invokeArn,
        timeoutMilliseconds: 29000,
      });
      parts.push(method, integration);
    }
    new LambdaPermission(this, "invoke", {
      statementId: "apigateway-role-vending-routes",
      action: "lambda:InvokeFunction",
      functionName: props.handler.function.functionName,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/${stageName}/*/grants*`,
    });
    const deployment = new ApiGatewayDeployment(this, "deployment", {
      restApiId: this.api.id,
      // Redeploy when the routes or the resource policy change (API Gateway applies both on deploy).
      triggers: { config: createHash("sha256").update(JSON.stringify([ROUTES, props.allowedCidrs, props.accountId])).digest("hex") },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: parts as unknown as ITerraformDependable[],
    });
    const logGroupName = `/aws/apigateway/${props.name}/access`;
    props.kmsKey.allowCloudWatchLogs(logGroupName);
    const accessLogs = new CloudwatchLogGroup(this, "access-logs", { name: logGroupName, retentionInDays: props.logRetentionDays, kmsKeyId: props.kmsKey.arn });
    const stage = new ApiGatewayStage(this, "stage", {
      restApiId: this.api.id,
      deploymentId: deployment.id,
      stageName,
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      dependsOn: props.stageDependsOn,
    });
    new ApiGatewayMethodSettings(this, "settings", {
      restApiId: this.api.id,
      stageName: stage.stageName,
      methodPath: "*/*",
      settings: { throttlingRateLimit: props.rateLimit, throttlingBurstLimit: props.burstLimit, metricsEnabled: true, loggingLevel: "ERROR", dataTraceEnabled: false },
    });
    this.url = stage.invokeUrl;
    this.invokePolicy = new IamPolicy(this, "invoke-policy", {
      name: `${props.name}-invoke`,
      description: `Allows calling the role-vending routes (stage ${stageName}); the API also requires MFA and an allowed source IP.`,
      policy: policyDocument([
        {
          Sid: "InvokeRoleVendingRoutes",
          Effect: "Allow",
          Action: "execute-api:Invoke",
          Resource: Object.values(ROUTES).map((r) => `${this.api.executionArn}/${stageName}/${r.method}${r.path.replace(/\{\w+\}/g, "*")}`),
        },
      ]),
    });
  }
}
