import { expect } from "chai";
import { IamRestApi } from "../../../stacks/constructs/rest-api";
import { fakeFunction, only, resources, statements, synthScope } from "../../support/synth";

describe("IamRestApi construct", () => {
  const out = synthScope((scope) => {
    const { fn: handler, kmsKey } = fakeFunction(scope, "api");
    new IamRestApi(scope, "api", {
      name: "demo",
      description: "d",
      kmsKey,
      logRetentionDays: 7,
      rateLimit: 10,
      burstLimit: 20,
      routes: [
        { method: "POST", path: "health", handler },
        { method: "POST", path: "audit-key", handler },
      ],
    });
  });

  it("requires IAM authorization on every method and proxies to Lambda", () => {
    const methods = resources(out, "aws_api_gateway_method");
    expect(methods).to.have.length(2);
    for (const m of methods) expect(m.authorization).to.equal("AWS_IAM");
    for (const i of resources(out, "aws_api_gateway_integration")) expect(i).to.include({ type: "AWS_PROXY", integration_http_method: "POST" });
  });

  it("limits each Lambda permission to the deployed stage, its own method and path", () => {
    const arns = resources(out, "aws_lambda_permission").map((p) => p.source_arn as string);
    expect(arns.some((a) => a.endsWith("/v1/POST/health"))).to.equal(true);
    expect(arns.some((a) => a.endsWith("/v1/POST/audit-key"))).to.equal(true);
  });

  it("validates every body against its route's model and answers validation errors in the API's error shape", () => {
    const [validator] = resources(out, "aws_api_gateway_request_validator");
    expect(validator).to.include({ validate_request_body: true });
    const models = resources(out, "aws_api_gateway_model");
    expect(models.map((m) => m.name).sort()).to.deep.equal(["POSTauditKeyRequest", "POSThealthRequest"]);
    expect(JSON.parse(models[0]!.schema)).to.include({ type: "object" });
    for (const m of resources(out, "aws_api_gateway_method")) {
      expect(m.request_validator_id).to.match(/aws_api_gateway_request_validator\./);
      expect(m.request_models["application/json"]).to.match(/aws_api_gateway_model\./);
    }
    const responses = resources(out, "aws_api_gateway_gateway_response");
    const badBody = responses.find((r) => r.response_type === "BAD_REQUEST_BODY")!;
    const template = badBody.response_templates["application/json"] as string;
    // The template is JSON once API Gateway substitutes the quoted message.
    const rendered = JSON.parse(template.replace("$context.error.messageString", JSON.stringify("Invalid request body")).replace("$context.requestId", "r-1"));
    expect(rendered).to.deep.equal({ error: { code: "InvalidRequest", message: "Invalid request body" }, requestId: "r-1" });
    expect(responses.map((r) => r.response_type).sort()).to.deep.equal(["BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS", "DEFAULT_4XX", "DEFAULT_5XX"]);
  });

  it("logs execution errors with metrics and never traces data", () => {
    const settings = only(out, "aws_api_gateway_method_settings").settings;
    expect(settings).to.include({ logging_level: "ERROR", metrics_enabled: true, data_trace_enabled: false });
  });

  it("writes JSON access logs to an encrypted log group and throttles the stage", () => {
    const stage = only(out, "aws_api_gateway_stage");
    const format = JSON.parse(stage.access_log_settings.format);
    expect(format).to.include({ requestId: "$context.requestId", status: "$context.status" });
    const logGroup = resources(out, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/apigateway/demo/access");
    expect(logGroup?.kms_key_id).to.match(/aws_kms_key\./);
    const settings = only(out, "aws_api_gateway_method_settings");
    expect(settings.method_path).to.equal("*/*");
    expect(settings.settings).to.include({ throttling_rate_limit: 10, throttling_burst_limit: 20 });
  });

  it("offers a managed policy allowing exactly its routes", () => {
    const [statement] = statements(only(out, "aws_iam_policy").policy);
    expect(statement.Action).to.equal("execute-api:Invoke");
    expect(statement.Resource).to.have.length(2);
    expect(statement.Resource[0]).to.match(/\/v1\/POST\/health$/);
    expect(statement.Resource[1]).to.match(/\/v1\/POST\/audit-key$/);
  });
});
