/**
 * Builds the role-vending functions' dependencies from their environment, once per container:
 * SDK clients with the platform's retry policy, the grant store, the template cache, SNS, IAM group
 * look-ups (cached) and Powertools metrics behind the small sink the cores use.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetGroupCommand, IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { Logger } from "@aws-lambda-powertools/logger";
import { awsClient } from "../platform/aws-clients";
import { parseEnv } from "../platform/env";
import { createMetrics, MetricUnit, type Metrics } from "../platform/metrics";
import { METRICS, roleVendingEnv, type RoleVendingEnv } from "../contracts/role-vending-api";
import { GrantStore } from "./grant-store";
import { s3TemplateSource } from "./templates";
import type { MetricSink, VendorDeps } from "./deps";

export function powertoolsSink(metrics: Metrics): MetricSink {
  const add = (unit: (typeof MetricUnit)[keyof typeof MetricUnit]) => (name: string, value = 1, dimensions?: Record<string, string>) => {
    if (!dimensions) {
      metrics.addMetric(name, unit, value);
      return;
    }
    const single = metrics.singleMetric();
    for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
    single.addMetric(name, unit, value);
  };
  return { count: add(MetricUnit.Count), milliseconds: add(MetricUnit.Milliseconds), seconds: add(MetricUnit.Seconds), percent: (name, value) => metrics.addMetric(name, MetricUnit.Percent, value) };
}

/** Publishes what the invocation recorded (nothing when it recorded nothing: no empty EMF line). */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

export interface Runtime extends VendorDeps {
  readonly env: RoleVendingEnv;
  readonly powertools: Metrics;
  readonly logger: Logger;
  readonly s3: S3Client;
}

export function createRuntime(service: string, env: NodeJS.ProcessEnv = process.env): Runtime {
  const parsed = parseEnv(roleVendingEnv, env);
  const region = parsed.AWS_REGION;
  const logger = new Logger({ serviceName: service });
  const powertools = createMetrics({ namespace: METRICS.namespace, service: METRICS.service, defaultDimensions: { function: service } });
  const iam = awsClient((c) => new IAMClient(c), region);
  const s3 = awsClient((c) => new S3Client(c), region);
  const sns = awsClient((c) => new SNSClient(c), region);
  const groups = new Map<string, { members: Promise<Set<string>>; at: number }>();
  const members = (group: string) => {
    const hit = groups.get(group);
    if (hit && Date.now() - hit.at < 5 * 60_000) return hit.members;
    const load = (async () => {
      const out = new Set<string>();
      let marker: string | undefined;
      do {
        const page = await iam.send(new GetGroupCommand({ GroupName: group, Marker: marker }));
        for (const u of page.Users ?? []) if (u.Arn) out.add(u.Arn);
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
      return out;
    })();
    load.catch(() => groups.delete(group));
    groups.set(group, { members: load, at: Date.now() });
    return load;
  };
  return {
    env: parsed,
    config: parsed,
    powertools,
    s3,
    store: new GrantStore(awsClient((c) => new DynamoDBClient(c), region), parsed.GRANTS_TABLE),
    iam,
    templates: s3TemplateSource(s3, parsed.TEMPLATE_BUCKET),
    async notifyApprovers(subject, message) {
      await sns.send(new PublishCommand({ TopicArn: parsed.APPROVAL_TOPIC_ARN, Subject: subject.slice(0, 99), Message: message }));
    },
    async isGroupMember(group, principalArn) {
      return (await members(group)).has(principalArn);
    },
    metrics: powertoolsSink(powertools),
    logger,
    now: () => new Date(),
  };
}
