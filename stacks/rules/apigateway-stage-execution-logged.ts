import { compliant, defineRule, nonCompliant } from "./rule";
import { allMethodsSettings } from "./support/apigateway";
import { isTrue } from "./support/stack-model";

export default defineRule({
  id: "apigateway-stage-execution-logged",
  expects: "Method settings for */* with execution logging at ERROR or INFO and detailed metrics on.",
  why: "Without execution logs and metrics, authorization failures, throttling and integration errors go unseen.",
  fix: "Use IamRestApi, or add aws_api_gateway_method_settings (method_path */*) with logging_level ERROR and metrics_enabled true.",
  level: "error",
  resourceTypes: ["aws_api_gateway_stage"],
  check(stage, stack) {
    const settings = allMethodsSettings(stage, stack);
    if (!settings) return nonCompliant("add aws_api_gateway_method_settings for */* with logging_level ERROR and metrics_enabled true");
    const missing = [["ERROR", "INFO"].includes(String(settings.logging_level)) ? undefined : "logging_level ERROR (or INFO)", isTrue(settings.metrics_enabled) ? undefined : "metrics_enabled true"].filter(Boolean);
    return missing.length ? nonCompliant(`set ${missing.join(" and ")} in the */* method settings`) : compliant(`execution logging ${settings.logging_level} with metrics`);
  },
});
