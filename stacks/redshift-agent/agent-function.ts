import { Construct } from "constructs";
import { agentFunctionName, METRIC_NAMES, METRICS_NAMESPACE, METRICS_SERVICE, type AgentEnvName } from "../../functions/shared/contracts/redshift-agent";
import { version } from "../../package.json";
import type { AppConfig } from "../config";
import { NodeFunction } from "../constructs/node-function";
import { Alarm, type AlarmTopic } from "../constructs/alarm";
import type { SecureKmsKey } from "../constructs/kms-key";

/** Redshift describe calls that name no resource in the request (listing calls): granted on "*". */
export const REDSHIFT_LIST_ACTIONS = ["redshift:DescribeClusters", "redshift:DescribeClusterSubnetGroups", "redshift:DescribeSnapshotSchedules"] as const;
export const SERVERLESS_LIST_ACTIONS = ["redshift-serverless:ListNamespaces", "redshift-serverless:ListWorkgroups"] as const;

/**
 * The IAM resources of a Bedrock model setting: a foundation model id or ARN is one model; an
 * inference profile (`us.…`, `eu.…`, `apac.…`, `global.…` or its ARN) also needs the foundation model
 * in each region the profile routes to.
 */
export function bedrockModelResources(modelId: string, region: string, accountId: string): string[] {
  if (modelId.startsWith("arn:")) {
    const profile = /:inference-profile\/(?:[a-z]+\.)?(.+)$/.exec(modelId);
    return profile ? [modelId, `arn:aws:bedrock:*::foundation-model/${profile[1]}`] : [modelId];
  }
  const profile = /^(us|eu|apac|us-gov|global|jp|au|ca)\.(.+)$/.exec(modelId);
  if (profile) return [`arn:aws:bedrock:${region}:${accountId}:inference-profile/${modelId}`, `arn:aws:bedrock:*::foundation-model/${profile[2]}`];
  return [`arn:aws:bedrock:${region}::foundation-model/${modelId}`];
}

export interface AgentFunctionProps {
  readonly config: AppConfig;
  readonly kmsKey: SecureKmsKey;
  readonly alarmTopic: AlarmTopic;
}

/**
 * The agent's function with a read-only role (Redshift and Redshift Serverless reads, the one
 * configured Bedrock model), bounded concurrency, its environment encrypted with the stack's key,
 * no resource policy at all (only IAM principals of this account with lambda:InvokeFunction may
 * call it), and alarms on errors, throttles and durations near the timeout.
 */
export class AgentFunction extends Construct {
  readonly fn: NodeFunction;

  constructor(scope: Construct, id: string, props: AgentFunctionProps) {
    super(scope, id);
    const { config, kmsKey, alarmTopic } = props;
    const { accountId, region } = config;
    const settings = config.redshiftAgent;
    const environment: Partial<Record<AgentEnvName | "POWERTOOLS_SERVICE_NAME" | "SERVICE_VERSION", string>> = {
      POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
      SERVICE_VERSION: version,
      ...(settings.bedrockModelId ? { BEDROCK_MODEL_ID: settings.bedrockModelId, BEDROCK_MAX_TOOL_CALLS: String(settings.bedrockMaxToolCalls) } : {}),
    };
    this.fn = new NodeFunction(this, "this", {
      entry: "redshift-agent",
      functionName: agentFunctionName(config.environment),
      description: "Private Redshift migration agent: lists clusters, extracts configurations, assesses Serverless readiness (read-only)",
      accountId,
      region,
      kmsKey,
      logRetentionDays: config.logRetentionDays,
      timeoutSeconds: settings.timeoutSeconds,
      memorySize: 512,
      reservedConcurrency: settings.reservedConcurrency,
      environment: environment as Record<string, string>,
      // No failure destination: callers invoke it synchronously (RequestResponse) and see errors directly.
    });

    this.fn.addToRolePolicy({ Sid: "ListRedshiftResources", Effect: "Allow", Action: [...REDSHIFT_LIST_ACTIONS], Resource: "*" });
    this.fn.addToRolePolicy({ Sid: "ReadClusterLoggingStatus", Effect: "Allow", Action: "redshift:DescribeLoggingStatus", Resource: `arn:aws:redshift:*:${accountId}:cluster:*` });
    this.fn.addToRolePolicy({ Sid: "ReadParameterGroups", Effect: "Allow", Action: "redshift:DescribeClusterParameters", Resource: `arn:aws:redshift:*:${accountId}:parametergroup:*` });
    this.fn.addToRolePolicy({ Sid: "ListServerless", Effect: "Allow", Action: [...SERVERLESS_LIST_ACTIONS], Resource: "*" });
    if (settings.bedrockModelId) {
      // Converse is authorised by bedrock:InvokeModel.
      this.fn.addToRolePolicy({ Sid: "InvokeConfiguredModel", Effect: "Allow", Action: "bedrock:InvokeModel", Resource: bedrockModelResources(settings.bedrockModelId, region, accountId) });
      const application = /^arn:(aws[a-z-]*):bedrock:[^:]*:\d*:application-inference-profile\//.exec(settings.bedrockModelId);
      if (application) {
        // An application inference profile's ARN does not name its models, yet each call is also authorised
        // against the foundation model it routes to: any model, but only when reached through this profile.
        this.fn.addToRolePolicy({
          Sid: "InvokeModelsThroughTheProfile",
          Effect: "Allow",
          Action: "bedrock:InvokeModel",
          Resource: `arn:${application[1]}:bedrock:*::foundation-model/*`,
          Condition: { StringEquals: { "bedrock:InferenceProfileArn": settings.bedrockModelId } },
        });
      }
    }

    const name = this.fn.functionName;
    Alarm.onFunctionErrors(this, "errors", this.fn, alarmTopic, "The Redshift agent failed (unhandled error or timeout); callers got a function error.");
    new Alarm(this, "throttles", {
      name: `${name}-throttles`,
      description: `Invocations of the Redshift agent were throttled (reserved concurrency ${settings.reservedConcurrency}).`,
      topic: alarmTopic,
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      dimensions: { FunctionName: name },
    });
    new Alarm(this, "duration", {
      name: `${name}-duration-near-timeout`,
      description: `An invocation of the Redshift agent took over 80% of its ${settings.timeoutSeconds} s timeout.`,
      topic: alarmTopic,
      namespace: "AWS/Lambda",
      metricName: "Duration",
      dimensions: { FunctionName: name },
      statistic: "Maximum",
      threshold: Math.round(settings.timeoutSeconds * 1000 * 0.8),
    });
    if (settings.bedrockModelId) {
      new Alarm(this, "model-fallback", {
        name: `${name}-model-fallback`,
        description: "The Bedrock model failed and the deterministic parser answered instead (model access, quota or an unusable answer).",
        topic: alarmTopic,
        namespace: METRICS_NAMESPACE,
        metricName: METRIC_NAMES.modelFallback,
        // Powertools Metrics adds the service dimension to every metric.
        dimensions: { service: METRICS_SERVICE },
      });
    }
  }
}
