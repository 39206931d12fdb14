/**
 * Migration readiness of a provisioned cluster for Redshift Serverless, judged from its extracted
 * configuration. Pure: the same configuration always gives the same assessment.
 */
import type { AssessmentItem, ClusterConfig, MigrationAssessment } from "../shared/contracts/redshift-agent";
import type { ServerlessInventory } from "./redshift";
import { WLM_PARAMETER } from "./cluster-config";

/** Memory per node in GiB (Redshift node type specifications). */
export const NODE_MEMORY_GIB: Readonly<Record<string, number>> = {
  "dc2.large": 15,
  "dc2.8xlarge": 244,
  "ds2.xlarge": 31,
  "ds2.8xlarge": 244,
  "ra3.large": 16,
  "ra3.xlplus": 32,
  "ra3.4xlarge": 96,
  "ra3.16xlarge": 384,
};

/**
 * One RPU has 16 GiB of memory. Base capacity is set in steps of 8 RPUs from 8 to 512, and in steps
 * of 32 from 512 to 1024 where 1024 is offered (five regions); elsewhere the most is 512. (4 RPUs is
 * also allowed, for warehouses under 32 TB: the agent does not know the data size, so it suggests 8 at least.)
 */
export const GIB_PER_RPU = 16;
export const RPU_STEP = 8;
export const LARGE_RPU_STEP = 32;
export const MIN_BASE_RPU = 8;
export const MAX_BASE_RPU = 512;
export const EXTENDED_MAX_BASE_RPU = 1024;
/** Regions where the base capacity may go above 512 RPUs (up to 1024). */
export const EXTENDED_RPU_REGIONS: ReadonlySet<string> = new Set(["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"]);

/** Parameters a Serverless workgroup accepts as config parameters. */
export const SERVERLESS_PARAMETERS = new Set([
  "auto_mv",
  "datestyle",
  "enable_case_sensitive_identifier",
  "enable_user_activity_logging",
  "query_group",
  "search_path",
  "max_query_execution_time",
  "require_ssl",
  "use_fips_ssl",
]);

/**
 * The suggested base RPU: the cluster's memory divided by 16 GiB, rounded up to a value the
 * workgroup accepts (a step of 8 up to 512, of 32 above), capped at the region's maximum.
 * Undefined for an unknown node type.
 */
export function suggestedBaseRpu(nodeType: string, nodes: number, region?: string): number | undefined {
  const perNode = NODE_MEMORY_GIB[nodeType];
  if (perNode === undefined || nodes < 1) return undefined;
  const rpus = Math.ceil((perNode * nodes) / GIB_PER_RPU);
  const max = region !== undefined && EXTENDED_RPU_REGIONS.has(region) ? EXTENDED_MAX_BASE_RPU : MAX_BASE_RPU;
  const step = rpus > MAX_BASE_RPU ? LARGE_RPU_STEP : RPU_STEP;
  return Math.min(max, Math.max(MIN_BASE_RPU, Math.ceil(rpus / step) * step));
}

function item(topic: string, severity: AssessmentItem["severity"], detail: string, action?: string): AssessmentItem {
  return action ? { topic, severity, detail, action } : { topic, severity, detail };
}

const SEVERITY_ORDER = { high: 0, medium: 1, low: 2, info: 3 } as const;

export function assessMigration(config: ClusterConfig, inventory?: ServerlessInventory): MigrationAssessment {
  const carriesOver: string[] = ["Data, schemas, users, groups and grants (restore a snapshot of the cluster into a Serverless namespace)."];
  const needs: AssessmentItem[] = [];
  const { network, logging, parameterGroup, snapshots, maintenance } = config;

  // Sizing.
  const rpu = suggestedBaseRpu(config.nodeType, config.numberOfNodes, config.region);
  const memory = (NODE_MEMORY_GIB[config.nodeType] ?? 0) * config.numberOfNodes;
  const sizing =
    rpu === undefined
      ? `Node type ${config.nodeType} has no known memory size, so no base RPU is suggested; start at 128 RPUs (the default) and adjust from the workgroup's RPU metrics.`
      : `${config.numberOfNodes} × ${config.nodeType} = ${memory} GiB of memory; at 16 GiB per RPU that is ${Math.ceil(memory / GIB_PER_RPU)} RPUs; as a base capacity ${config.region} accepts (steps of 8 up to 512, of 32 above, at most ${EXTENDED_RPU_REGIONS.has(config.region) ? EXTENDED_MAX_BASE_RPU : MAX_BASE_RPU}): ${rpu}. Compare query times after migrating and adjust.`;
  if (rpu === undefined) needs.push(item("Sizing", "medium", `Cannot size node type ${config.nodeType}.`, "Choose the base RPU by testing a representative workload."));

  if (config.status !== "available") {
    needs.push(item("Cluster state", "medium", `The cluster is ${config.status}.`, "Take the migration snapshot when the cluster is available."));
  }

  // Network.
  if (network.publiclyAccessible) {
    needs.push(item("Public access", "high", "The cluster is publicly accessible.", "Create the workgroup with publicly accessible off and reach it from the VPC (or a VPC endpoint); do not carry public access over."));
  }
  const zones = new Set(network.subnets.map((s) => s.availabilityZone).filter(Boolean));
  if (network.subnets.length > 0 && (network.subnets.length < 3 || zones.size < 3)) {
    needs.push(
      item("Subnets", "high", `The subnet group ${network.subnetGroup ?? ""} has ${network.subnets.length} subnets in ${zones.size} Availability Zones; a workgroup needs subnets in at least three.`.replace("  ", " "), "Add subnets in three Availability Zones of the VPC before creating the workgroup."),
    );
  } else if (network.subnets.length > 0) {
    carriesOver.push(`VPC ${network.vpcId ?? ""} and its ${network.subnets.length} subnets in ${zones.size} Availability Zones (use them for the workgroup).`.replace("  ", " "));
  }
  if (!network.vpcId || network.classicSecurityGroups.length > 0) {
    needs.push(item("Network", "high", `The cluster runs outside a VPC (EC2-Classic security groups ${network.classicSecurityGroups.join(", ") || "none"}); Serverless workgroups run only in a VPC.`, "Choose a VPC with subnets in three Availability Zones and security groups for the workgroup."));
  }
  if (network.securityGroups.length > 0) carriesOver.push(`Security groups ${network.securityGroups.map((g) => g.id).join(", ")} (attach them to the workgroup).`);
  if (network.enhancedVpcRouting) carriesOver.push("Enhanced VPC routing (turn it on for the workgroup).");
  if (network.elasticIp) needs.push(item("Elastic IP", "medium", `The cluster uses Elastic IP ${network.elasticIp}; Serverless workgroups have no Elastic IP.`, "Point clients at the workgroup endpoint."));

  // Encryption.
  if (config.encryption.hsmConfiguration) {
    needs.push(item("HSM encryption", "high", `The cluster's keys are in an HSM (${config.encryption.hsmConfiguration}); Serverless namespaces support KMS keys only.`, "Move the cluster to KMS encryption before taking the migration snapshot."));
  } else if (!config.encryption.encrypted) {
    needs.push(item("Encryption", "medium", "The cluster is not encrypted; a Serverless namespace always is.", "Choose a customer-managed KMS key for the namespace before restoring the snapshot."));
  } else {
    carriesOver.push(config.encryption.kmsKeyId ? `Encryption with KMS key ${config.encryption.kmsKeyId} (set it as the namespace's key).` : "Encryption (the namespace is encrypted).");
  }

  // Logging.
  if (!logging.enabled) {
    needs.push(item("Audit logging", "medium", "Audit logging is off.", "Turn on the connection, user and user-activity log exports of the namespace (CloudWatch Logs)."));
  } else if (logging.destination === "s3") {
    needs.push(item("Audit logging", "medium", `Audit logs go to S3 (${logging.bucket ?? "?"}/${logging.prefix ?? ""}); Serverless exports audit logs to CloudWatch Logs only.`, "Turn on the namespace's log exports and move log consumers to CloudWatch Logs."));
  } else {
    carriesOver.push(`Audit logging to CloudWatch Logs (${logging.logExports.join(", ") || "no exports"}; enable the same exports on the namespace).`);
  }
  if (!logging.userActivityLogging) needs.push(item("User activity log", "low", "enable_user_activity_logging is off, so the user activity log records no queries.", "Set enable_user_activity_logging=true on the workgroup."));

  // WLM and parameters.
  const wlm = parameterGroup.wlm;
  if (wlm.mode === "manual") {
    needs.push(item("WLM queues", "medium", `Manual WLM with ${wlm.queues} queue(s); Serverless has no WLM queues.`, "Map queue limits to the workgroup's query limits (max_query_execution_time, query monitoring rules) and usage limits; use separate workgroups for workloads that must stay isolated."));
  } else if (wlm.mode === "auto") {
    carriesOver.push("Automatic WLM (Serverless manages concurrency and memory itself).");
  } else {
    needs.push(item("WLM queues", "low", "The WLM configuration could not be read.", "Check wlm_json_configuration of the parameter group."));
  }
  for (const p of parameterGroup.parameters) {
    if (p.source !== "user" || p.name === WLM_PARAMETER) continue;
    if (SERVERLESS_PARAMETERS.has(p.name)) carriesOver.push(`Parameter ${p.name}=${p.value ?? ""} (set it in the workgroup's config parameters).`);
    else needs.push(item(`Parameter ${p.name}`, "medium", `${p.name}=${p.value ?? ""} is set on the cluster and has no Serverless equivalent.`, "Drop it or reproduce its effect another way (session settings, query limits)."));
  }
  const requireSsl = parameterGroup.parameters.find((p) => p.name === "require_ssl")?.value;
  if (requireSsl !== undefined && requireSsl !== "true") {
    needs.push(item("TLS", "medium", "require_ssl is off: clients may connect without TLS.", "Set require_ssl=true in the workgroup's config parameters."));
  }

  // Snapshots and maintenance.
  if (snapshots.scheduleId) {
    needs.push(item("Snapshot schedule", "low", `Schedule ${snapshots.scheduleId} (${snapshots.scheduleDefinitions.join(", ") || "no definitions"}) does not carry over; Serverless keeps recovery points every 30 minutes for 24 hours.`, "Recreate the schedule as a snapshot schedule of the namespace."));
  }
  if (snapshots.automatedRetentionDays !== undefined) {
    needs.push(item("Snapshot retention", "info", `Automated snapshots are kept ${snapshots.automatedRetentionDays} day(s) on the cluster.`, "Set the retention of the namespace's scheduled snapshots to match."));
  }
  if (snapshots.crossRegionCopy) {
    needs.push(item("Cross-region snapshot copy", "low", `Snapshots are copied to ${snapshots.crossRegionCopy.destinationRegion}.`, "Configure snapshot copy for the namespace."));
  }
  if (maintenance.track && maintenance.track !== "current") {
    needs.push(item("Maintenance track", "low", `The cluster follows the ${maintenance.track} track; Serverless has no maintenance track or window and updates itself.`, "Test the workload on the current version before switching."));
  } else if (maintenance.window) {
    needs.push(item("Maintenance window", "info", `Maintenance window ${maintenance.window} does not apply to Serverless (updates apply without downtime).`));
  }

  // Identity and tags.
  if (config.iamRoles.length > 0) carriesOver.push(`IAM roles ${config.iamRoles.join(", ")} (associate them with the namespace for COPY, UNLOAD and Spectrum).`);
  const tagCount = Object.keys(config.tags).length;
  if (tagCount > 0) needs.push(item("Tags", "low", `The cluster has ${tagCount} tag(s); restoring a snapshot does not copy them.`, "Tag the namespace and the workgroup."));

  if (inventory?.namespaces.includes(config.clusterId) || inventory?.workgroups.includes(config.clusterId)) {
    needs.push(item("Naming", "low", `A Serverless namespace or workgroup named ${config.clusterId} already exists in ${config.region}.`, "Choose another name or check whether the migration already started."));
  }

  needs.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const readiness = needs.some((n) => n.severity === "high") ? "blocked" : needs.some((n) => n.severity === "medium") ? "needs_work" : "ready";
  return {
    clusterId: config.clusterId,
    region: config.region,
    readiness,
    ...(rpu === undefined ? {} : { suggestedBaseRpu: rpu }),
    sizing,
    carriesOver,
    needsAction: needs,
    ...(inventory ? { existingServerless: { namespaces: inventory.namespaces, workgroups: inventory.workgroups } } : {}),
  };
}
