/** API Gateway REST API relations: a stage's method settings and usage plans, a method's API. */
import { block, blocks, type StackModel, type TfResource } from "./stack-model";

/** aws_api_gateway_method_settings for the stage (by reference to the stage or by its API and stage name). */
export function methodSettingsOf(stage: TfResource, stack: StackModel): TfResource[] {
  return stack.ofType("aws_api_gateway_method_settings").filter(
    (m) => stack.mentions(m.config.stage_name, stage) || (m.config.stage_name === stage.config.stage_name && m.config.rest_api_id === stage.config.rest_api_id),
  );
}

/** The settings that apply to every method (method_path "*" + "/*"), if any. */
export function allMethodsSettings(stage: TfResource, stack: StackModel): Record<string, any> | undefined {
  return block(methodSettingsOf(stage, stack).find((m) => m.config.method_path === "*/*")?.config.settings);
}

/** Usage plans naming this stage, with throttling. */
export function throttlingUsagePlans(stage: TfResource, stack: StackModel): TfResource[] {
  return stack.ofType("aws_api_gateway_usage_plan").filter(
    (p) =>
      blocks(p.config.api_stages).some((s) => stack.mentions(s.stage, stage) || (s.stage === stage.config.stage_name && s.api_id === stage.config.rest_api_id)) &&
      blocks(p.config.throttle_settings).some((t) => Number(t.rate_limit) > 0 && Number(t.burst_limit) > 0),
  );
}

