/**
 * Read-only Redshift and Redshift Serverless calls, one helper per operation, every page read.
 * Errors come back as AgentFailures naming the call (see failure.ts).
 */
import {
  DescribeClustersCommand,
  DescribeClusterSubnetGroupsCommand,
  DescribeLoggingStatusCommand,
  paginateDescribeClusterParameters,
  paginateDescribeClusters,
  paginateDescribeSnapshotSchedules,
  type Cluster,
  type ClusterSubnetGroup,
  type DescribeLoggingStatusCommandOutput,
  type Parameter,
  type RedshiftClient,
  type SnapshotSchedule,
} from "@aws-sdk/client-redshift";
import type { RedshiftServerlessClient } from "@aws-sdk/client-redshift-serverless";
import { AgentFailure, awsCall } from "./failure";

const REDSHIFT = "Redshift";

/** Every provisioned cluster of the region, all pages. */
export async function listClusters(client: RedshiftClient): Promise<Cluster[]> {
  return awsCall(REDSHIFT, "DescribeClusters", async () => {
    const clusters: Cluster[] = [];
    for await (const page of paginateDescribeClusters({ client, pageSize: 100 }, {})) clusters.push(...(page.Clusters ?? []));
    return clusters;
  });
}

export async function describeCluster(client: RedshiftClient, clusterId: string): Promise<Cluster> {
  const out = await awsCall(REDSHIFT, "DescribeClusters", () => client.send(new DescribeClustersCommand({ ClusterIdentifier: clusterId })), clusterId);
  const cluster = out.Clusters?.[0];
  if (!cluster) throw new AgentFailure("ClusterNotFound", `There is no Redshift cluster named ${clusterId} in this region; list the clusters to see their identifiers.`);
  return cluster;
}

/** Every parameter of a parameter group (user-set and engine defaults), all pages. */
export async function parameterGroupValues(client: RedshiftClient, groupName: string): Promise<Parameter[]> {
  return awsCall(REDSHIFT, "DescribeClusterParameters", async () => {
    const parameters: Parameter[] = [];
    for await (const page of paginateDescribeClusterParameters({ client, pageSize: 100 }, { ParameterGroupName: groupName })) parameters.push(...(page.Parameters ?? []));
    return parameters;
  });
}

export async function loggingStatus(client: RedshiftClient, clusterId: string): Promise<DescribeLoggingStatusCommandOutput> {
  return awsCall(REDSHIFT, "DescribeLoggingStatus", () => client.send(new DescribeLoggingStatusCommand({ ClusterIdentifier: clusterId })), clusterId);
}

export async function snapshotSchedules(client: RedshiftClient, clusterId: string): Promise<SnapshotSchedule[]> {
  return awsCall(REDSHIFT, "DescribeSnapshotSchedules", async () => {
    const schedules: SnapshotSchedule[] = [];
    for await (const page of paginateDescribeSnapshotSchedules({ client, pageSize: 100 }, { ClusterIdentifier: clusterId })) schedules.push(...(page.SnapshotSchedules ?? []));
    return schedules;
  });
}

export async function subnetGroup(client: RedshiftClient, name: string): Promise<ClusterSubnetGroup | undefined> {
  const out = await awsCall(REDSHIFT, "DescribeClusterSubnetGroups", () => client.send(new DescribeClusterSubnetGroupsCommand({ ClusterSubnetGroupName: name })));
  return out.ClusterSubnetGroups?.[0];
}

/** Everything extract_config and assess_migration read about one cluster. */
export interface ClusterFacts {
  readonly cluster: Cluster;
  readonly parameters: Parameter[];
  readonly logging: DescribeLoggingStatusCommandOutput;
  readonly schedules: SnapshotSchedule[];
  readonly subnetGroup?: ClusterSubnetGroup;
}

export async function clusterFacts(client: RedshiftClient, clusterId: string): Promise<ClusterFacts> {
  const cluster = await describeCluster(client, clusterId);
  const groupName = cluster.ClusterParameterGroups?.[0]?.ParameterGroupName;
  const [parameters, logging, schedules, subnets] = await Promise.all([
    groupName ? parameterGroupValues(client, groupName) : Promise.resolve([]),
    loggingStatus(client, clusterId),
    snapshotSchedules(client, clusterId),
    cluster.ClusterSubnetGroupName ? subnetGroup(client, cluster.ClusterSubnetGroupName) : Promise.resolve(undefined),
  ]);
  return { cluster, parameters, logging, schedules, subnetGroup: subnets };
}

export interface ServerlessInventory {
  readonly namespaces: string[];
  readonly workgroups: string[];
}

/** The Serverless namespaces and workgroups already in the region, all pages. */
export async function serverlessInventory(client: RedshiftServerlessClient): Promise<ServerlessInventory> {
  // Loaded on first use, like the client (see handler.ts): only assessments need it.
  const { paginateListNamespaces, paginateListWorkgroups } = require("@aws-sdk/client-redshift-serverless") as typeof import("@aws-sdk/client-redshift-serverless");
  const [namespaces, workgroups] = await Promise.all([
    awsCall("Redshift Serverless", "ListNamespaces", async () => {
      const names: string[] = [];
      for await (const page of paginateListNamespaces({ client, pageSize: 100 }, {})) names.push(...(page.namespaces ?? []).map((n) => n.namespaceName ?? "?"));
      return names;
    }),
    awsCall("Redshift Serverless", "ListWorkgroups", async () => {
      const names: string[] = [];
      for await (const page of paginateListWorkgroups({ client, pageSize: 100 }, {})) names.push(...(page.workgroups ?? []).map((w) => w.workgroupName ?? "?"));
      return names;
    }),
  ]);
  return { namespaces, workgroups };
}
