/**
 * The Redshift migration agent's invoke interface (a direct `lambda:InvokeFunction`, no API): the
 * request and response schemas, error codes, the function's environment and its metric names.
 * Imported by the function, its client and CLI, the stack and the tests. Imports only zod.
 */
import { z } from "zod";

/** The most bytes an invoke payload may have; larger ones are rejected with PayloadTooLarge. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
/** The longest free-text message. */
export const MAX_MESSAGE_CHARS = 2000;

export const ACTIONS = ["list_clusters", "extract_config", "assess_migration", "help"] as const;
export type Action = (typeof ACTIONS)[number];

/** AWS region names (`us-east-2`, `eu-central-1`, `us-gov-west-1`, `cn-north-1`). */
export const REGION_PATTERN = /^(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov)-[a-z]+-\d{1,2}$/;
/** Redshift cluster identifiers: lower-case letters, digits and single hyphens, starting with a letter, at most 63 characters. */
export const CLUSTER_ID_PATTERN = /^[a-z](?:[a-z0-9]|-(?!-)){0,62}$/;

const region = z.string().regex(REGION_PATTERN, { error: "an AWS region such as us-east-2" });
const clusterId = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(CLUSTER_ID_PATTERN, { error: "a Redshift cluster identifier (letters, digits and hyphens, starting with a letter, at most 63 characters)" }))
  .refine((s) => !s.endsWith("-"), { error: "a Redshift cluster identifier cannot end with a hyphen" });

export const messageRequest = z.strictObject({ message: z.string().trim().min(1, { error: "a non-empty message" }).max(MAX_MESSAGE_CHARS) });
export const listClustersRequest = z.strictObject({ action: z.literal("list_clusters"), region: region.optional() });
export const extractConfigRequest = z.strictObject({ action: z.literal("extract_config"), cluster_id: clusterId, region: region.optional() });
export const assessMigrationRequest = z.strictObject({ action: z.literal("assess_migration"), cluster_id: clusterId, region: region.optional() });
export const helpRequest = z.strictObject({ action: z.literal("help") });
export const actionRequest = z.discriminatedUnion("action", [listClustersRequest, extractConfigRequest, assessMigrationRequest, helpRequest]);
export const agentRequest = z.union([messageRequest, actionRequest]);

export type ActionRequest = z.output<typeof actionRequest>;
export type AgentRequest = z.output<typeof agentRequest>;
/** What a caller may send (cluster ids in any case). */
export type AgentRequestInput = z.input<typeof agentRequest>;

// ---- structured results -------------------------------------------------------------------

export const clusterSummary = z.object({
  clusterId: z.string(),
  status: z.string(),
  nodeType: z.string(),
  numberOfNodes: z.number(),
  region: z.string(),
  publiclyAccessible: z.boolean(),
  encrypted: z.boolean(),
  createdAt: z.string().optional(),
});
export type ClusterSummary = z.infer<typeof clusterSummary>;

export const clusterParameter = z.object({ name: z.string(), value: z.string().optional(), source: z.string().optional() });

export const clusterConfig = z.object({
  clusterId: z.string(),
  region: z.string(),
  status: z.string(),
  nodeType: z.string(),
  numberOfNodes: z.number(),
  clusterVersion: z.string().optional(),
  encryption: z.object({ encrypted: z.boolean(), kmsKeyId: z.string().optional(), hsmConfiguration: z.string().optional() }),
  network: z.object({
    vpcId: z.string().optional(),
    subnetGroup: z.string().optional(),
    subnets: z.array(z.object({ subnetId: z.string(), availabilityZone: z.string().optional() })),
    securityGroups: z.array(z.object({ id: z.string(), status: z.string().optional() })),
    /** EC2-Classic cluster security groups (outside a VPC). */
    classicSecurityGroups: z.array(z.string()),
    enhancedVpcRouting: z.boolean(),
    publiclyAccessible: z.boolean(),
    elasticIp: z.string().optional(),
  }),
  parameterGroup: z.object({
    name: z.string().optional(),
    /** Every parameter of the group with its value (user-set and engine defaults). */
    parameters: z.array(clusterParameter),
    /** wlm_json_configuration, parsed when it is JSON. */
    wlm: z.object({ mode: z.enum(["auto", "manual", "unknown"]), queues: z.number(), raw: z.string().optional() }),
  }),
  logging: z.object({
    enabled: z.boolean(),
    destination: z.string().optional(),
    bucket: z.string().optional(),
    prefix: z.string().optional(),
    logExports: z.array(z.string()),
    userActivityLogging: z.boolean(),
  }),
  snapshots: z.object({
    scheduleId: z.string().optional(),
    scheduleDefinitions: z.array(z.string()),
    automatedRetentionDays: z.number().optional(),
    manualRetentionDays: z.number().optional(),
    crossRegionCopy: z.object({ destinationRegion: z.string(), retentionDays: z.number().optional() }).optional(),
  }),
  maintenance: z.object({ track: z.string().optional(), window: z.string().optional(), allowVersionUpgrade: z.boolean().optional() }),
  iamRoles: z.array(z.string()),
  multiAz: z.string().optional(),
  tags: z.record(z.string(), z.string()),
});
export type ClusterConfig = z.infer<typeof clusterConfig>;

export const SEVERITIES = ["high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const assessmentItem = z.object({ topic: z.string(), severity: z.enum(SEVERITIES), detail: z.string(), action: z.string().optional() });
export type AssessmentItem = z.infer<typeof assessmentItem>;

export const migrationAssessment = z.object({
  clusterId: z.string(),
  region: z.string(),
  /** ready: nothing above low; needs_work: medium items; blocked: a high item. */
  readiness: z.enum(["ready", "needs_work", "blocked"]),
  suggestedBaseRpu: z.number().optional(),
  sizing: z.string(),
  carriesOver: z.array(z.string()),
  needsAction: z.array(assessmentItem),
  existingServerless: z.object({ namespaces: z.array(z.string()), workgroups: z.array(z.string()) }).optional(),
});
export type MigrationAssessment = z.infer<typeof migrationAssessment>;

export const helpTopic = z.object({ intent: z.string(), description: z.string(), examples: z.array(z.string()) });

const notes = z.array(z.string()).optional();

export const agentData = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("list_clusters"), region: z.string(), clusters: z.array(clusterSummary), notes }),
  z.object({ intent: z.literal("extract_config"), config: clusterConfig, notes }),
  z.object({ intent: z.literal("assess_migration"), assessment: migrationAssessment, notes }),
  z.object({ intent: z.literal("help"), topics: z.array(helpTopic), unrecognised: z.string().optional(), notes }),
]);
export type AgentData = z.infer<typeof agentData>;

export const agentResponse = z.object({ response: z.string(), data: agentData });
export type AgentResponse = z.infer<typeof agentResponse>;

// ---- errors ---------------------------------------------------------------------------------

export const ERROR_CODES = [
  "InvalidRequest",
  "PayloadTooLarge",
  "InvalidRegion",
  "ClusterNotFound",
  "AccessDenied",
  "Throttled",
  "UpstreamError",
] as const;
export type AgentErrorCode = (typeof ERROR_CODES)[number];

/** An answered error (the invoke itself succeeded). Unexpected failures are Lambda function errors instead. */
export const agentError = z.object({ error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }) });
export type AgentError = z.infer<typeof agentError>;

/** Everything the function may answer. */
export const agentResult = z.union([agentResponse, agentError]);

// ---- the function's environment and metrics -------------------------------------------------

const positiveInt = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export const agentEnv = z.object({
  AWS_REGION: region,
  /** Converse model id or inference profile; unset: the deterministic parser reads free text. */
  BEDROCK_MODEL_ID: z.string().min(1).max(2048).optional(),
  /** Tool calls one conversation may make before the agent stops the model. */
  BEDROCK_MAX_TOOL_CALLS: positiveInt(4, 20),
  /** maxTokens of each Converse call. */
  BEDROCK_MAX_TOKENS: positiveInt(1024, 8192),
  /** Tokens (input and output) one conversation may spend across all its model calls. */
  BEDROCK_TOKEN_BUDGET: positiveInt(20000, 200000),
});
export type AgentEnv = z.output<typeof agentEnv>;
export type AgentEnvName = Extract<keyof z.input<typeof agentEnv>, string>;

export const METRICS_NAMESPACE = "RedshiftAgent";
export const METRICS_SERVICE = "redshift-migration-agent";
export const METRIC_NAMES = {
  /** A model conversation failed and the deterministic parser answered instead. */
  modelFallback: "ModelFallback",
} as const;

// ---- deployed names (the stack creates them, the client and CLI find them) ------------------

/** The function: `redshift-migration-agent-<env>`. */
export function agentFunctionName(environment: string): string {
  return `redshift-migration-agent-${environment}`;
}
/** The IAM group whose members may invoke the function. */
export function agentUsersGroupName(environment: string): string {
  return `RedshiftAgentUsers-${environment}`;
}
/** The managed policy allowing lambda:InvokeFunction on the function and its aliases. */
export function agentInvokePolicyName(environment: string): string {
  return `RedshiftAgentInvokePolicy-${environment}`;
}
