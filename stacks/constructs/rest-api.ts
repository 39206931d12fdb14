import { createHash } from "node:crypto";
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayRequestValidator } from "@cdktf/provider-aws/lib/api-gateway-request-validator";
import { ApiGatewayModel } from "@cdktf/provider-aws/lib/api-gateway-model";
import { ApiGatewayGatewayResponse } from "@cdktf/provider-aws/lib/api-gateway-gateway-response";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { policyDocument } from "./policy-document";
import type { SecureKmsKey } from "./kms-key";
import type { NodeFunction } from "./node-function";

export interface ApiRoute {
  readonly method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  /** One path segment, e.g. `audit-key`. */
  readonly path: string;
  readonly handler: NodeFunction;
  /**
   * JSON Schema (draft-04, e.g. `z.toJSONSchema(schema, { target: "draft-04" })` of the route's
   * contract) that API Gateway validates the body against before invoking the function.
   * @default any JSON object
   */
  readonly requestSchema?: Readonly<Record<string, unknown>>;
}

export interface IamRestApiProps {
  readonly name: string;
  readonly description: string;
  readonly routes: readonly ApiRoute[];
  readonly kmsKey: SecureKmsKey;
  readonly logRetentionDays: number;
  /** @default "v1" */
  readonly stageName?: string;
  /** Steady-state requests per second for the whole stage. */
  readonly rateLimit: number;
  readonly burstLimit: number;
  /**
   * What the stage must wait for: API Gateway refuses access logging until the account's
   * CloudWatch role is set (e.g. an `aws_api_gateway_account` in the same stack).
   */
  readonly stageDependsOn?: ITerraformDependable[];
}

/** JSON access log line: one object per request, fields named as API Gateway's $context variables. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  requestTime: "$context.requestTimeEpoch",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integration.latency",
  integrationStatus: "$context.integration.status",
  sourceIp: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  caller: "$context.identity.caller",
  userArn: "$context.identity.userArn",
  accountId: "$context.identity.accountId",
  errorMessage: "$context.error.message",
  authorizeError: "$context.authorize.error",
});

/** A body that is a JSON object: what every route accepts at least (the function validates the rest). */
const JSON_OBJECT_SCHEMA = { $schema: "http://json-schema.org/draft-04/schema#", title: "JsonObject", type: "object" };

/**
 * Gateway responses in the API's own error shape, `{"error":{"code","message"},"requestId"}` (the
 * shape functions/shared/platform/http.ts answers with), so clients parse one shape whether API
 * Gateway or the function rejected the request. A validation failure answers code InvalidRequest,
 * like the function's own body validation.
 */
export const GATEWAY_RESPONSES: readonly { type: string; code: string }[] = [
  { type: "BAD_REQUEST_BODY", code: "InvalidRequest" },
  { type: "BAD_REQUEST_PARAMETERS", code: "InvalidRequest" },
  { type: "DEFAULT_4XX", code: "$context.error.responseType" },
  { type: "DEFAULT_5XX", code: "$context.error.responseType" },
];
export const gatewayErrorTemplate = (code: string) => `{"error":{"code":"${code}","message":$context.error.messageString},"requestId":"$context.requestId"}`;

/**
 * A regional REST API whose every method requires IAM (SigV4) authorization, proxied to Lambda,
 * with a throttled stage and JSON access logs in a KMS-encrypted log group. `invokePolicy` is a
 * managed policy that allows invoking exactly these routes on this stage.
 */
export class IamRestApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly url: string;
  readonly invokePolicy: IamPolicy;

  constructor(scope: Construct, id: string, props: IamRestApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? "v1";
    this.api = new ApiGatewayRestApi(this, "this", {
      name: props.name,
      description: props.description,
      endpointConfiguration: { types: ["REGIONAL"] },
      disableExecuteApiEndpoint: false,
      minimumCompressionSize: "1024",
    });

    const routeResources: Construct[] = [];
    const resources = new Map<string, ApiGatewayResource>();
    // Bodies are checked against each route's model before the function runs (and is billed).
    const validator = new ApiGatewayRequestValidator(this, "body-validator", { restApiId: this.api.id, name: "body", validateRequestBody: true, validateRequestParameters: false });
    for (const response of GATEWAY_RESPONSES) {
      routeResources.push(
        new ApiGatewayGatewayResponse(this, `response-${response.type}`, {
          restApiId: this.api.id,
          responseType: response.type,
          responseTemplates: { "application/json": gatewayErrorTemplate(response.code) },
        }),
      );
    }
    for (const route of props.routes) {
      let resource = resources.get(route.path);
      if (!resource) {
        resource = new ApiGatewayResource(this, `resource-${route.path}`, { restApiId: this.api.id, parentId: this.api.rootResourceId, pathPart: route.path });
        resources.set(route.path, resource);
      }
      const model = new ApiGatewayModel(this, `model-${route.method}-${route.path}`, {
        restApiId: this.api.id,
        name: `${route.method}${route.path}`.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()) + "Request",
        contentType: "application/json",
        schema: JSON.stringify(route.requestSchema ?? JSON_OBJECT_SCHEMA),
      });
      const method = new ApiGatewayMethod(this, `method-${route.method}-${route.path}`, {
        restApiId: this.api.id,
        resourceId: resource.id,
        httpMethod: route.method,
        authorization: "AWS_IAM",
        requestValidatorId: validator.id,
        requestModels: { "application/json": model.name },
      });
      const integration = new ApiGatewayIntegration(this, `integration-${route.method}-${route.path}`, {
        restApiId: this.api.id,
        resourceId: resource.id,
        httpMethod: method.httpMethod,
        type: "AWS_PROXY",
        integrationHttpMethod: "POST",
        uri: route.handler.function.invokeArn,
        timeoutMilliseconds: 29000,
      });
      new LambdaPermission(this, `permission-${route.method}-${route.path}`, {
        statementId: `apigateway-${route.method}-${route.path}`,
        action: "lambda:InvokeFunction",
        functionName: route.handler.function.functionName,
        principal: "apigateway.amazonaws.com",
        // Only this API's deployed stage, only this method and path (not test invocations or other stages).
        sourceArn: `${this.api.executionArn}/${stageName}/${route.method}/${route.path}`,
      });
      routeResources.push(method, integration, model);
    }

    const deployment = new ApiGatewayDeployment(this, "deployment", {
      restApiId: this.api.id,
      // A new deployment whenever the set of routes changes.
      triggers: {
        routes: createHash("sha256")
          .update(JSON.stringify([props.routes.map((r) => [r.method, r.path, r.handler.functionName, r.requestSchema ?? null]), GATEWAY_RESPONSES.map((g) => gatewayErrorTemplate(g.code))]))
          .digest("hex"),
      },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: routeResources as ApiGatewayMethod[],
    });

    const logGroupName = `/aws/apigateway/${props.name}/access`;
    props.kmsKey.allowCloudWatchLogs(logGroupName);
    const accessLogs = new CloudwatchLogGroup(this, "access-logs", { name: logGroupName, retentionInDays: props.logRetentionDays, kmsKeyId: props.kmsKey.arn });
    this.stage = new ApiGatewayStage(this, "stage", {
      restApiId: this.api.id,
      deploymentId: deployment.id,
      stageName,
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      xrayTracingEnabled: false,
      dependsOn: props.stageDependsOn,
    });
    new ApiGatewayMethodSettings(this, "throttling", {
      restApiId: this.api.id,
      stageName: this.stage.stageName,
      methodPath: "*/*",
      // Execution logs at ERROR (authorization, throttling and integration failures) and per-method
      // metrics; never data tracing, which would log request and response bodies.
      settings: { throttlingRateLimit: props.rateLimit, throttlingBurstLimit: props.burstLimit, metricsEnabled: true, loggingLevel: "ERROR", dataTraceEnabled: false },
    });
    this.url = this.stage.invokeUrl;

    this.invokePolicy = new IamPolicy(this, "invoke-policy", {
      name: `${props.name}-invoke`,
      description: `Allows calling the routes of ${props.name} (stage ${stageName}) and nothing else.`,
      policy: policyDocument([
        {
          Sid: "InvokeRoutes",
          Effect: "Allow",
          Action: "execute-api:Invoke",
          Resource: props.routes.map((r) => `${this.api.executionArn}/${stageName}/${r.method}/${r.path}`),
        },
      ]),
    });
  }

  /**
   * Lets `fn` call every route of this API (the invoke policy attached to its role) and sets
   * `envName` to the API's base URL, in one call. The attachment lives beside this API, named
   * `<function id>-invokes-<api id>`.
   */
  grantInvoke(fn: NodeFunction, envName: string): void {
    new IamRolePolicyAttachment(this.node.scope!, `${fn.node.id}-invokes-${this.node.id}`, { role: fn.role.name, policyArn: this.invokePolicy.arn });
    fn.addEnvironment(envName, this.url);
  }
}
