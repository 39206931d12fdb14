/** Builds the contract's ClusterConfig from what Redshift answered. Pure. */
import type { ClusterConfig } from "../shared/contracts/redshift-agent";
import type { ClusterFacts } from "./redshift";

export const WLM_PARAMETER = "wlm_json_configuration";

/**
 * Reads wlm_json_configuration: automatic WLM when an entry sets auto_wlm; otherwise the number of
 * manual queues (the short-query-acceleration entry, when alone, is not a queue).
 */
export function parseWlm(raw: string | undefined): ClusterConfig["parameterGroup"]["wlm"] {
  if (raw === undefined) return { mode: "unknown", queues: 0 };
  try {
    const entries = JSON.parse(raw) as unknown;
    if (!Array.isArray(entries)) return { mode: "unknown", queues: 0, raw };
    const objects = entries.filter((e): e is Record<string, unknown> => typeof e === "object" && e !== null);
    if (objects.some((e) => e.auto_wlm === true)) return { mode: "auto", queues: objects.filter((e) => e.auto_wlm === true || "priority" in e).length, raw };
    const queues = objects.filter((e) => !(Object.keys(e).length === 1 && "short_query_queue" in e)).length;
    return { mode: "manual", queues, raw };
  } catch {
    return { mode: "unknown", queues: 0, raw };
  }
}

export function clusterConfig(facts: ClusterFacts, region: string): ClusterConfig {
  const { cluster, parameters, logging, schedules } = facts;
  const valueOf = (name: string) => parameters.find((p) => p.ParameterName === name)?.ParameterValue;
  const schedule = schedules.find((s) => s.ScheduleIdentifier === cluster.SnapshotScheduleIdentifier) ?? schedules[0];
  const copy = cluster.ClusterSnapshotCopyStatus;
  return {
    clusterId: cluster.ClusterIdentifier ?? "?",
    region,
    status: cluster.ClusterStatus ?? "unknown",
    nodeType: cluster.NodeType ?? "unknown",
    numberOfNodes: cluster.NumberOfNodes ?? 0,
    clusterVersion: cluster.ClusterVersion,
    encryption: { encrypted: cluster.Encrypted === true, kmsKeyId: cluster.KmsKeyId, hsmConfiguration: cluster.HsmStatus?.HsmConfigurationIdentifier },
    network: {
      vpcId: cluster.VpcId,
      subnetGroup: cluster.ClusterSubnetGroupName,
      subnets: (facts.subnetGroup?.Subnets ?? []).map((s) => ({ subnetId: s.SubnetIdentifier ?? "?", availabilityZone: s.SubnetAvailabilityZone?.Name })),
      securityGroups: (cluster.VpcSecurityGroups ?? []).map((g) => ({ id: g.VpcSecurityGroupId ?? "?", status: g.Status })),
      classicSecurityGroups: (cluster.ClusterSecurityGroups ?? []).map((g) => g.ClusterSecurityGroupName ?? "?"),
      enhancedVpcRouting: cluster.EnhancedVpcRouting === true,
      publiclyAccessible: cluster.PubliclyAccessible === true,
      elasticIp: cluster.ElasticIpStatus?.ElasticIp,
    },
    parameterGroup: {
      name: cluster.ClusterParameterGroups?.[0]?.ParameterGroupName,
      parameters: parameters.map((p) => ({ name: p.ParameterName ?? "?", value: p.ParameterValue, source: p.Source })),
      wlm: parseWlm(valueOf(WLM_PARAMETER)),
    },
    logging: {
      enabled: logging.LoggingEnabled === true,
      destination: logging.LoggingEnabled ? (logging.LogDestinationType ?? "s3") : undefined,
      bucket: logging.BucketName,
      prefix: logging.S3KeyPrefix,
      logExports: logging.LogExports ?? [],
      userActivityLogging: valueOf("enable_user_activity_logging") === "true",
    },
    snapshots: {
      scheduleId: cluster.SnapshotScheduleIdentifier,
      scheduleDefinitions: schedule?.ScheduleDefinitions ?? [],
      automatedRetentionDays: cluster.AutomatedSnapshotRetentionPeriod,
      manualRetentionDays: cluster.ManualSnapshotRetentionPeriod,
      crossRegionCopy: copy?.DestinationRegion ? { destinationRegion: copy.DestinationRegion, retentionDays: copy.RetentionPeriod } : undefined,
    },
    maintenance: { track: cluster.MaintenanceTrackName, window: cluster.PreferredMaintenanceWindow, allowVersionUpgrade: cluster.AllowVersionUpgrade },
    iamRoles: (cluster.IamRoles ?? []).map((r) => r.IamRoleArn ?? "?"),
    multiAz: cluster.MultiAZ,
    tags: Object.fromEntries((cluster.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
  };
}
