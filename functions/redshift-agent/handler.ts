/**
 * Redshift migration agent: invoked directly (lambda:InvokeFunction, IAM only) with the payload of
 * functions/shared/contracts/redshift-agent.ts. Answers `{"response","data"}` or `{"error":{…}}`;
 * a bug becomes a Lambda function error whose message carries the request id and no stack.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { agentEnv, METRIC_NAMES, METRICS_NAMESPACE, METRICS_SERVICE } from "../shared/contracts/redshift-agent";
import { parseEnv } from "../shared/platform/env";
import { createMetrics, MetricUnit } from "../shared/platform/metrics";
import { invokeAgent, type AgentDeps } from "./agent";
import { bedrockConverse, redshiftClients, serverlessClients } from "./clients";

const env = parseEnv(agentEnv);
const logger = new Logger({ serviceName: METRICS_SERVICE });
const metrics = createMetrics({ namespace: METRICS_NAMESPACE, service: METRICS_SERVICE });
const { BEDROCK_MODEL_ID: modelId, BEDROCK_MAX_TOOL_CALLS: maxToolCalls, BEDROCK_MAX_TOKENS: maxTokens, BEDROCK_TOKEN_BUDGET: tokenBudget } = env;

const deps: AgentDeps = {
  defaultRegion: env.AWS_REGION,
  redshift: redshiftClients(),
  serverless: serverlessClients(),
  model: modelId ? { converse: bedrockConverse(env.AWS_REGION), settings: { modelId, maxToolCalls, maxTokens, tokenBudget } } : undefined,
  onModelFallback: (reason) => {
    logger.warn("model fallback", { reason });
    metrics.addMetric(METRIC_NAMES.modelFallback, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  },
};

export const handler = async (event: unknown, context: { awsRequestId?: string } = {}) => {
  const started = performance.now();
  try {
    const answer = await invokeAgent(event, deps);
    const outcome = "error" in answer ? { error: answer.error.code } : { intent: answer.data.intent };
    logger.info("invocation", { requestId: context.awsRequestId, ...outcome, durationMs: Math.round(performance.now() - started) });
    return answer;
  } catch (error) {
    logger.error("unexpected error", { requestId: context.awsRequestId, error: error as Error });
    const failure = new Error(`The agent failed unexpectedly; quote request id ${context.awsRequestId ?? "unknown"} when reporting it.`);
    failure.name = "AgentInternalError";
    failure.stack = `${failure.name}: ${failure.message}`; // Lambda returns the stack as "trace": keep ours out of it.
    throw failure;
  }
};
