import { compliant, defineRule, nonCompliant } from "./rule";
import { methodSettingsOf } from "./support/apigateway";
import { blocks, isTrue } from "./support/stack-model";

export default defineRule({
  id: "apigateway-stage-no-data-trace",
  expects: "No method settings with data_trace_enabled (full request/response logging).",
  why: "Data tracing writes request and response bodies, including credentials and personal data, to CloudWatch Logs.",
  fix: "Remove data_trace_enabled (IamRestApi keeps it off).",
  level: "error",
  resourceTypes: ["aws_api_gateway_stage"],
  check(stage, stack) {
    const tracing = methodSettingsOf(stage, stack).filter((m) => blocks(m.config.settings).some((s) => isTrue(s.data_trace_enabled)));
    return tracing.length ? nonCompliant(`set data_trace_enabled false in ${tracing.map((m) => m.path).join(", ")}`) : compliant("no data tracing");
  },
});
