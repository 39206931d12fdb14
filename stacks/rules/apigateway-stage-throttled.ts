import { compliant, defineRule, nonCompliant } from "./rule";
import { allMethodsSettings, throttlingUsagePlans } from "./support/apigateway";

export default defineRule({
  id: "apigateway-stage-throttled",
  expects: "Stage-wide throttling: */* method settings with a rate and burst limit, or a usage plan with throttle settings for the stage.",
  why: "Without throttling one caller can exhaust the backend's concurrency and run up cost.",
  fix: "Use IamRestApi (rateLimit, burstLimit), or attach a usage plan with throttle_settings.",
  level: "error",
  resourceTypes: ["aws_api_gateway_stage"],
  check(stage, stack) {
    const settings = allMethodsSettings(stage, stack);
    if (settings && Number(settings.throttling_rate_limit) > 0 && Number(settings.throttling_burst_limit) > 0) {
      return compliant(`throttled at ${settings.throttling_rate_limit}/s, burst ${settings.throttling_burst_limit}`);
    }
    const plans = throttlingUsagePlans(stage, stack);
    if (plans.length) return compliant(`throttled by usage plan ${plans[0]!.path} (instead of method settings)`);
    return nonCompliant("set throttling_rate_limit and throttling_burst_limit in */* method settings, or a usage plan with throttle_settings");
  },
});
