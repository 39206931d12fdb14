import { compliant, defineRule, nonCompliant } from "./rule";
import { isTrue } from "./support/stack-model";

/** Gateway responses a validation failure produces, by what is validated. */
const RESPONSE_FOR = { body: "BAD_REQUEST_BODY", parameters: "BAD_REQUEST_PARAMETERS" } as const;

export default defineRule({
  id: "apigateway-method-request-validated",
  expects: "Every method has a request validator (body with a request model for methods that take a body, or parameters), and the API customises the matching gateway response (BAD_REQUEST_BODY / BAD_REQUEST_PARAMETERS) so a validation error keeps the API's own error shape.",
  why: "Unvalidated requests reach the backend (cost, attack surface); an uncustomised validation error answers in a shape clients do not expect.",
  fix: "Use IamRestApi (validator, a JSON-schema model per route, gateway responses in the {\"error\":{\"code\",\"message\"}} shape).",
  level: "error",
  resourceTypes: ["aws_api_gateway_method"],
  check(method, stack) {
    const validator = stack.resolve(method.config.request_validator_id);
    if (!validator || validator.type !== "aws_api_gateway_request_validator") return nonCompliant("set request_validator_id to an aws_api_gateway_request_validator");
    const body = isTrue(validator.config.validate_request_body);
    const parameters = isTrue(validator.config.validate_request_parameters);
    if (!body && !parameters) return nonCompliant(`${validator.path} validates nothing: set validate_request_body and/or validate_request_parameters`);
    const takesBody = ["POST", "PUT", "PATCH"].includes(String(method.config.http_method));
    if (takesBody && body && Object.keys((method.config.request_models as object | undefined) ?? {}).length === 0) return nonCompliant("set request_models (application/json → a model) so the body is validated against a schema");
    const responses = stack.ofType("aws_api_gateway_gateway_response").filter((r) => r.config.rest_api_id === method.config.rest_api_id && r.config.response_templates);
    const needed = [...(body ? [RESPONSE_FOR.body] : []), ...(parameters ? [RESPONSE_FOR.parameters] : [])];
    const missing = needed.filter((type) => !responses.some((r) => r.config.response_type === type));
    if (missing.length) return nonCompliant(`customise the gateway response ${missing.join(", ")} with a template in the API's error shape`);
    return compliant(`validated by ${validator.path}; ${needed.join(", ")} answer in the API's error shape`);
  },
});
