/** Redshift and Redshift Serverless answers for the agent's tests and bench (aws-sdk-client-mock). */
import {
  ClusterNotFoundFault,
  DescribeClusterParametersCommand,
  DescribeClustersCommand,
  DescribeClusterSubnetGroupsCommand,
  DescribeLoggingStatusCommand,
  DescribeSnapshotSchedulesCommand,
  RedshiftClient,
  type Cluster,
} from "@aws-sdk/client-redshift";
import { ListNamespacesCommand, ListWorkgroupsCommand, RedshiftServerlessClient } from "@aws-sdk/client-redshift-serverless";
import { mockClient, type AwsStub } from "aws-sdk-client-mock";

export const ACCOUNT = "111111111111";
export const REGION = "us-east-2";

export function cluster(id: string, overrides: Partial<Cluster> = {}): Cluster {
  return {
    ClusterIdentifier: id,
    ClusterStatus: "available",
    NodeType: "ra3.4xlarge",
    NumberOfNodes: 2,
    ClusterVersion: "1.0",
    Encrypted: true,
    KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    VpcId: "vpc-0abc",
    ClusterSubnetGroupName: "dw-subnets",
    VpcSecurityGroups: [{ VpcSecurityGroupId: "sg-0abc", Status: "active" }],
    EnhancedVpcRouting: true,
    PubliclyAccessible: false,
    ClusterParameterGroups: [{ ParameterGroupName: "dw-params", ParameterApplyStatus: "in-sync" }],
    AutomatedSnapshotRetentionPeriod: 7,
    ManualSnapshotRetentionPeriod: -1,
    SnapshotScheduleIdentifier: "every-8h",
    MaintenanceTrackName: "current",
    PreferredMaintenanceWindow: "sun:05:00-sun:05:30",
    AllowVersionUpgrade: true,
    IamRoles: [{ IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/redshift-copy`, ApplyStatus: "in-sync" }],
    Tags: [{ Key: "team", Value: "analytics" }],
    ClusterCreateTime: new Date("2024-01-02T03:04:05Z"),
    ...overrides,
  };
}

export const MANUAL_WLM = JSON.stringify([{ query_group: ["etl"], query_concurrency: 5 }, { query_concurrency: 10 }, { short_query_queue: true }]);

export interface RedshiftMocks {
  readonly redshift: AwsStub<any, any, any>;
  readonly serverless: AwsStub<any, any, any>;
  restore(): void;
}

/**
 * Two pages of clusters (analytics-prod on the first, legacy-dw on the second), analytics-prod's
 * details (two pages of parameters), and an empty Serverless region. Unknown clusters: ClusterNotFound.
 */
export function mockRedshift(clusters: Cluster[] = [cluster("analytics-prod"), cluster("legacy-dw", { NodeType: "dc2.large", NumberOfNodes: 4, PubliclyAccessible: true, Encrypted: false, KmsKeyId: undefined })]): RedshiftMocks {
  const redshift = mockClient(RedshiftClient);
  const serverless = mockClient(RedshiftServerlessClient);
  const half = Math.ceil(clusters.length / 2);
  redshift.on(DescribeClustersCommand).callsFake((input: { ClusterIdentifier?: string; Marker?: string }) => {
    if (input.ClusterIdentifier) {
      const found = clusters.find((c) => c.ClusterIdentifier === input.ClusterIdentifier);
      if (!found) throw new ClusterNotFoundFault({ message: `Cluster ${input.ClusterIdentifier} not found.`, $metadata: { httpStatusCode: 404 } });
      return { Clusters: [found] };
    }
    return input.Marker === "page-2" ? { Clusters: clusters.slice(half) } : { Clusters: clusters.slice(0, half), Marker: "page-2" };
  });
  redshift.on(DescribeClusterParametersCommand).callsFake((input: { Marker?: string }) =>
    input.Marker === "p2"
      ? { Parameters: [{ ParameterName: "wlm_json_configuration", ParameterValue: MANUAL_WLM, Source: "user" }, { ParameterName: "statement_timeout", ParameterValue: "600000", Source: "user" }] }
      : {
          Parameters: [
            { ParameterName: "require_ssl", ParameterValue: "false", Source: "engine-default" },
            { ParameterName: "enable_user_activity_logging", ParameterValue: "true", Source: "user" },
            { ParameterName: "search_path", ParameterValue: "$user, public", Source: "engine-default" },
          ],
          Marker: "p2",
        },
  );
  redshift.on(DescribeLoggingStatusCommand).resolves({ LoggingEnabled: true, LogDestinationType: "s3", BucketName: "audit-logs", S3KeyPrefix: "redshift/" });
  redshift.on(DescribeSnapshotSchedulesCommand).resolves({ SnapshotSchedules: [{ ScheduleIdentifier: "every-8h", ScheduleDefinitions: ["rate(8 hours)"] }] });
  redshift.on(DescribeClusterSubnetGroupsCommand).resolves({
    ClusterSubnetGroups: [
      {
        ClusterSubnetGroupName: "dw-subnets",
        Subnets: [
          { SubnetIdentifier: "subnet-a", SubnetAvailabilityZone: { Name: "us-east-2a" } },
          { SubnetIdentifier: "subnet-b", SubnetAvailabilityZone: { Name: "us-east-2b" } },
        ],
      },
    ],
  });
  serverless.on(ListNamespacesCommand).resolves({ namespaces: [] });
  serverless.on(ListWorkgroupsCommand).resolves({ workgroups: [] });
  return {
    redshift,
    serverless,
    restore: () => {
      redshift.restore();
      serverless.restore();
    },
  };
}

export type AgentHandler = (event: unknown, context?: { awsRequestId?: string }) => Promise<unknown>;

/** A fresh copy of the real handler module, loaded with the given environment (it reads it once, at load). */
export function loadAgentHandler(extraEnv: Record<string, string> = {}): AgentHandler {
  const path = require.resolve("../../functions/redshift-agent/handler");
  delete require.cache[path];
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_REGION: REGION, POWERTOOLS_LOG_LEVEL: "SILENT", POWERTOOLS_METRICS_DISABLED: "true", ...extraEnv });
  try {
    return (require(path) as { handler: AgentHandler }).handler;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
