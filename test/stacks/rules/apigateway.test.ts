import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayUsagePlan } from "@cdktf/provider-aws/lib/api-gateway-usage-plan";
import { ApiGatewayRequestValidator } from "@cdktf/provider-aws/lib/api-gateway-request-validator";
import type { Construct } from "constructs";
import authorized from "../../../stacks/rules/apigateway-method-authorized";
import validated from "../../../stacks/rules/apigateway-method-request-validated";
import accessLogged from "../../../stacks/rules/apigateway-stage-access-logged";
import executionLogged from "../../../stacks/rules/apigateway-stage-execution-logged";
import throttled from "../../../stacks/rules/apigateway-stage-throttled";
import noDataTrace from "../../../stacks/rules/apigateway-stage-no-data-trace";
import { IamRestApi } from "../../../stacks/constructs/rest-api";
import { fakeFunction } from "../../support/synth";
import { expectStatus, judge } from "./support";

const iamRestApi = (scope: Construct) => {
  const { fn, kmsKey } = fakeFunction(scope, "fn");
  new IamRestApi(scope, "api", { name: "demo", description: "d", routes: [{ method: "POST", path: "health", handler: fn }], kmsKey, logRetentionDays: 7, rateLimit: 10, burstLimit: 20 });
};

/** A hand-written API: one open method, a bare stage; `extra` adds to it. */
const rawApi = (extra?: (scope: Construct, api: ApiGatewayRestApi, stage: ApiGatewayStage) => void) => (scope: Construct) => {
  const api = new ApiGatewayRestApi(scope, "raw", { name: "raw" });
  const resource = new ApiGatewayResource(scope, "res", { restApiId: api.id, parentId: api.rootResourceId, pathPart: "x" });
  new ApiGatewayMethod(scope, "get", { restApiId: api.id, resourceId: resource.id, httpMethod: "GET", authorization: "NONE" });
  new ApiGatewayMethod(scope, "options", { restApiId: api.id, resourceId: resource.id, httpMethod: "OPTIONS", authorization: "NONE" });
  new ApiGatewayIntegration(scope, "options-mock", { restApiId: api.id, resourceId: resource.id, httpMethod: "OPTIONS", type: "MOCK" });
  const deployment = new ApiGatewayDeployment(scope, "dep", { restApiId: api.id });
  const stage = new ApiGatewayStage(scope, "stage", { restApiId: api.id, deploymentId: deployment.id, stageName: "v1" });
  extra?.(scope, api, stage);
};

describe("API Gateway rules", () => {
  it("apigateway-method-authorized: IamRestApi methods use AWS_IAM; an open GET fails; a MOCK OPTIONS preflight is accepted", () => {
    expectStatus(judge(authorized, iamRestApi), "api/method-POST-health", "compliant", "AWS_IAM");
    const raw = judge(authorized, rawApi());
    expectStatus(raw, "get", "non-compliant", "AWS_IAM");
    expectStatus(raw, "options", "compliant", "CORS preflight");
  });

  it("apigateway-method-request-validated: IamRestApi validates and shapes errors; no validator, or no gateway response, fails", () => {
    expectStatus(judge(validated, iamRestApi), "api/method-POST-health", "compliant", "BAD_REQUEST_BODY");
    expectStatus(judge(validated, rawApi()), "get", "non-compliant", "request_validator_id");
    const unshaped = judge(validated, (scope) => {
      const api = new ApiGatewayRestApi(scope, "raw", { name: "raw" });
      const validator = new ApiGatewayRequestValidator(scope, "v", { restApiId: api.id, name: "params", validateRequestParameters: true });
      new ApiGatewayMethod(scope, "get", { restApiId: api.id, resourceId: api.rootResourceId, httpMethod: "GET", authorization: "AWS_IAM", requestValidatorId: validator.id });
    });
    expectStatus(unshaped, "get", "non-compliant", "BAD_REQUEST_PARAMETERS");
  });

  it("apigateway-stage-access-logged: IamRestApi logs access; a bare stage does not", () => {
    expectStatus(judge(accessLogged, iamRestApi), "api/stage", "compliant");
    expectStatus(judge(accessLogged, rawApi()), "stage", "non-compliant", "access_log_settings");
  });

  it("apigateway-stage-execution-logged: ERROR logging with metrics passes; metrics alone fail", () => {
    expectStatus(judge(executionLogged, iamRestApi), "api/stage", "compliant", "ERROR");
    const metricsOnly = rawApi((scope, api, stage) => new ApiGatewayMethodSettings(scope, "ms", { restApiId: api.id, stageName: stage.stageName, methodPath: "*/*", settings: { metricsEnabled: true } }));
    expectStatus(judge(executionLogged, metricsOnly), "stage", "non-compliant", "logging_level");
  });

  it("apigateway-stage-throttled: method-settings throttling or a usage plan (the alternative) passes; neither fails", () => {
    expectStatus(judge(throttled, iamRestApi), "api/stage", "compliant", "10/s");
    const plan = rawApi((scope, api, stage) =>
      new ApiGatewayUsagePlan(scope, "plan", { name: "p", apiStages: [{ apiId: api.id, stage: stage.stageName }], throttleSettings: { rateLimit: 5, burstLimit: 10 } }),
    );
    expectStatus(judge(throttled, plan), "stage", "compliant", "usage plan");
    expectStatus(judge(throttled, rawApi()), "stage", "non-compliant");
  });

  it("apigateway-stage-no-data-trace: IamRestApi keeps tracing off; data_trace_enabled fails", () => {
    expectStatus(judge(noDataTrace, iamRestApi), "api/stage", "compliant");
    const tracing = rawApi((scope, api, stage) => new ApiGatewayMethodSettings(scope, "ms", { restApiId: api.id, stageName: stage.stageName, methodPath: "*/*", settings: { dataTraceEnabled: true } }));
    expectStatus(judge(noDataTrace, tracing), "stage", "non-compliant", "data_trace_enabled");
  });
});
