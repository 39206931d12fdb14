import { compliant, defineRule, nonCompliant } from "./rule";

export default defineRule({
  id: "apigateway-method-authorized",
  expects: "Every method has an authorizer (AWS_IAM, COGNITO_USER_POOLS or CUSTOM); only a CORS preflight OPTIONS method with a MOCK integration may be open.",
  why: "An unauthorized method lets anyone on the internet call the backend.",
  fix: "Use IamRestApi (AWS_IAM on every method), or set authorization on the method.",
  level: "error",
  resourceTypes: ["aws_api_gateway_method"],
  check(method, stack) {
    const authorization = String(method.config.authorization ?? "NONE");
    if (authorization !== "NONE") return compliant(`authorization ${authorization}`);
    if (method.config.http_method === "OPTIONS") {
      const integration = stack
        .ofType("aws_api_gateway_integration")
        .find((i) => i.config.resource_id === method.config.resource_id && i.config.rest_api_id === method.config.rest_api_id && i.config.http_method === "OPTIONS");
      if (integration?.config.type === "MOCK") return compliant("CORS preflight answered by a MOCK integration (no backend)");
    }
    return nonCompliant("set authorization to AWS_IAM (or a Cognito/Lambda authorizer)");
  },
});
