import { compliant, defineRule, nonCompliant } from "./rule";
import { block } from "./support/stack-model";

export default defineRule({
  id: "apigateway-stage-access-logged",
  expects: "The stage writes access logs (access_log_settings with a destination and a format).",
  why: "Without access logs there is no record of who called the API and what it answered.",
  fix: "Use IamRestApi (JSON access logs into a KMS-encrypted log group).",
  level: "error",
  resourceTypes: ["aws_api_gateway_stage"],
  check(stage) {
    const settings = block(stage.config.access_log_settings);
    return settings?.destination_arn && settings.format ? compliant("access logs on") : nonCompliant("set access_log_settings (destination_arn, format)");
  },
});
