/** The agent's text answers (`response`), written from the structured results (`data`). Pure. */
import type { AgentData, ClusterConfig, ClusterSummary, MigrationAssessment } from "../shared/contracts/redshift-agent";

export const HELP_TOPICS = [
  {
    intent: "list_clusters",
    description: "List the provisioned Redshift clusters of a region (the function's region unless you name one).",
    examples: ["List my Redshift clusters in us-east-2", "Which clusters do I have in Frankfurt?", '{"action":"list_clusters","region":"us-east-2"}'],
  },
  {
    intent: "extract_config",
    description: "Extract a cluster's configuration: nodes, encryption, network, parameter group (WLM), logging, snapshots, maintenance, tags.",
    examples: ["Show the configuration of cluster analytics-prod", "Extract config of analytics-prod in eu-west-1", '{"action":"extract_config","cluster_id":"analytics-prod"}'],
  },
  {
    intent: "assess_migration",
    description: "Assess a cluster's readiness for Redshift Serverless: suggested base RPU, what carries over, what needs action and how urgently.",
    examples: ["Is analytics-prod ready for Serverless?", "Assess migration of cluster analytics-prod in us-east-2", '{"action":"assess_migration","cluster_id":"analytics-prod"}'],
  },
  { intent: "help", description: "This list.", examples: ["help", '{"action":"help"}'] },
];

export function helpText(lead?: string): string {
  const lines = HELP_TOPICS.map((t) => `- ${t.description}\n    e.g. "${t.examples[0]}"`);
  return `${lead ? `${lead}\n\n` : ""}I can help migrate provisioned Redshift clusters to Redshift Serverless (read-only; I change nothing):\n${lines.join("\n")}`;
}

function clusterLine(c: ClusterSummary): string {
  const exposure = c.publiclyAccessible ? "PUBLIC" : "private";
  return `- ${c.clusterId}: ${c.status}, ${c.numberOfNodes} × ${c.nodeType}, ${c.encrypted ? "encrypted" : "NOT encrypted"}, ${exposure}`;
}

export function listText(region: string, clusters: readonly ClusterSummary[]): string {
  if (clusters.length === 0) return `There are no provisioned Redshift clusters in ${region}.`;
  return `${clusters.length} Redshift cluster${clusters.length === 1 ? "" : "s"} in ${region}:\n${clusters.map(clusterLine).join("\n")}`;
}

export function configText(c: ClusterConfig): string {
  const userParams = c.parameterGroup.parameters.filter((p) => p.source === "user").map((p) => `${p.name}=${p.value ?? ""}`);
  const lines = [
    `Cluster ${c.clusterId} (${c.region}): ${c.status}, ${c.numberOfNodes} × ${c.nodeType}${c.clusterVersion ? `, version ${c.clusterVersion}` : ""}`,
    `Encryption: ${c.encryption.encrypted ? `on${c.encryption.kmsKeyId ? ` (KMS key ${c.encryption.kmsKeyId})` : ""}${c.encryption.hsmConfiguration ? ` (HSM ${c.encryption.hsmConfiguration})` : ""}` : "off"}`,
    `Network: VPC ${c.network.vpcId ?? "none"}, subnet group ${c.network.subnetGroup ?? "none"} (${c.network.subnets.map((s) => s.subnetId).join(", ") || "no subnets"}), security groups ${c.network.securityGroups.map((g) => g.id).join(", ") || "none"}${c.network.classicSecurityGroups.length ? `, EC2-Classic security groups ${c.network.classicSecurityGroups.join(", ")}` : ""}, enhanced VPC routing ${c.network.enhancedVpcRouting ? "on" : "off"}, ${c.network.publiclyAccessible ? "PUBLICLY ACCESSIBLE" : "not publicly accessible"}`,
    `Parameter group: ${c.parameterGroup.name ?? "none"}; WLM ${c.parameterGroup.wlm.mode}${c.parameterGroup.wlm.mode === "manual" ? ` with ${c.parameterGroup.wlm.queues} queue(s)` : ""}; user-set: ${userParams.join(", ") || "none"}`,
    `Audit logging: ${c.logging.enabled ? `on, to ${c.logging.destination}${c.logging.bucket ? ` ${c.logging.bucket}/${c.logging.prefix ?? ""}` : ""}${c.logging.logExports.length ? ` (${c.logging.logExports.join(", ")})` : ""}` : "off"}; user activity logging ${c.logging.userActivityLogging ? "on" : "off"}`,
    `Snapshots: ${c.snapshots.scheduleId ? `schedule ${c.snapshots.scheduleId} (${c.snapshots.scheduleDefinitions.join(", ")})` : "default schedule"}, automated retention ${c.snapshots.automatedRetentionDays ?? "?"} day(s), manual retention ${c.snapshots.manualRetentionDays ?? "?"}${c.snapshots.crossRegionCopy ? `, copied to ${c.snapshots.crossRegionCopy.destinationRegion}` : ""}`,
    `Maintenance: track ${c.maintenance.track ?? "?"}, window ${c.maintenance.window ?? "?"}`,
    `IAM roles: ${c.iamRoles.join(", ") || "none"}`,
    `Tags: ${Object.entries(c.tags).map(([k, v]) => `${k}=${v}`).join(", ") || "none"}`,
  ];
  return lines.join("\n");
}

const READINESS = { ready: "ready (nothing above low severity)", needs_work: "needs work before migrating", blocked: "blocked until the high-severity items are fixed" } as const;

export function assessmentText(a: MigrationAssessment): string {
  const lines = [
    `Migration of ${a.clusterId} (${a.region}) to Redshift Serverless: ${READINESS[a.readiness]}.`,
    a.suggestedBaseRpu === undefined ? `Sizing: ${a.sizing}` : `Suggested base capacity: ${a.suggestedBaseRpu} RPUs. ${a.sizing}`,
    "",
    "Carries over:",
    ...a.carriesOver.map((c) => `- ${c}`),
    "",
    a.needsAction.length === 0 ? "Needs action: nothing." : "Needs action:",
    ...a.needsAction.map((n) => `- [${n.severity.toUpperCase()}] ${n.topic}: ${n.detail}${n.action ? ` → ${n.action}` : ""}`),
  ];
  return lines.join("\n");
}

/** The text for any result; notes (e.g. a model fallback) come first. */
export function responseText(data: AgentData): string {
  const notes = data.notes?.length ? `${data.notes.map((n) => `Note: ${n}`).join("\n")}\n\n` : "";
  switch (data.intent) {
    case "list_clusters":
      return notes + listText(data.region, data.clusters);
    case "extract_config":
      return notes + configText(data.config);
    case "assess_migration":
      return notes + assessmentText(data.assessment);
    case "help":
      return notes + helpText(data.unrecognised);
  }
}
