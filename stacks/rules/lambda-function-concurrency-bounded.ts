import { compliant, defineRule, nonCompliant } from "./rule";
import { asyncInvokers, eventSourceMappingsOf, permissionsOf } from "./support/lambda";
import { block } from "./support/stack-model";

export default defineRule({
  id: "lambda-function-concurrency-bounded",
  expects: "Reserved concurrency, or every invoker bounds it: a throttled API Gateway stage, an event source mapping with maximum_concurrency, or a schedule.",
  why: "An unbounded function can take the account's whole concurrency (starving other functions) or overwhelm what it calls.",
  fix: "Set NodeFunction reservedConcurrency, or invoke it through a throttled IamRestApi, a schedule, or a queue mapping with maximum_concurrency.",
  level: "error",
  resourceTypes: ["aws_lambda_function"],
  check(fn, stack) {
    const reserved = fn.config.reserved_concurrent_executions;
    if (typeof reserved === "number" && reserved >= 0) return compliant(`reserved concurrency ${reserved}`);
    const unbounded: string[] = [];
    for (const p of permissionsOf(fn, stack)) {
      const principal = String(p.config.principal);
      if (principal === "apigateway.amazonaws.com" || principal === "secretsmanager.amazonaws.com") continue; // throttled stage (own rule) / one rotation at a time
      if (principal === "events.amazonaws.com") {
        const rule = stack.resolve(p.config.source_arn);
        if (rule?.config.schedule_expression) continue;
      }
      unbounded.push(`${principal} (${p.path})`);
    }
    for (const m of eventSourceMappingsOf(fn, stack)) if (!block(m.config.scaling_config)?.maximum_concurrency) unbounded.push(`event source mapping ${m.path} without maximum_concurrency`);
    if (unbounded.length) return nonCompliant(`set reserved_concurrent_executions: invoked without a bound by ${unbounded.join(", ")}`);
    const invokers = asyncInvokers(fn, stack);
    return compliant(invokers.length || permissionsOf(fn, stack).length ? "every invoker is bounded (throttled API, schedule or capped mapping)" : "not invoked by anything in this stack");
  },
});
