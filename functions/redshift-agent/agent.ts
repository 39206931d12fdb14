/**
 * The agent's core: validates an invoke payload against the contract, answers an action or a free
 * message (the deterministic parser, or a Bedrock model with the parser as fallback), and maps
 * failures to answered errors. Dependencies (clients, model, metrics) are injected.
 */
import type { RedshiftClient } from "@aws-sdk/client-redshift";
import type { RedshiftServerlessClient } from "@aws-sdk/client-redshift-serverless";
import {
  MAX_PAYLOAD_BYTES,
  actionRequest,
  messageRequest,
  type ActionRequest,
  type AgentData,
  type AgentError,
  type AgentResponse,
  type ClusterSummary,
} from "../shared/contracts/redshift-agent";
import { ValidationError } from "../shared/platform/errors";
import { AgentFailure } from "./failure";
import { parseIntent } from "./intent-parser";
import { clusterConfig } from "./cluster-config";
import { assessMigration } from "./assessment";
import { clusterFacts, listClusters, serverlessInventory } from "./redshift";
import { HELP_TOPICS, responseText } from "./render";
import { converseWithTools, type Converse, type ModelSettings } from "./model";

export interface AgentDeps {
  /** The function's own region: used when a request names none. */
  readonly defaultRegion: string;
  readonly redshift: (region: string) => RedshiftClient;
  readonly serverless: (region: string) => RedshiftServerlessClient;
  /** Set when a Bedrock model reads free text. */
  readonly model?: { readonly converse: Converse; readonly settings: ModelSettings };
  readonly onModelFallback?: (reason: string) => void;
}

function clientFor<C>(factory: (region: string) => C, region: string): C {
  try {
    return factory(region);
  } catch (error) {
    if (error instanceof ValidationError) throw new AgentFailure("InvalidRegion", error.message, { cause: error });
    throw error;
  }
}

function summary(cluster: Awaited<ReturnType<typeof listClusters>>[number], region: string): ClusterSummary {
  return {
    clusterId: cluster.ClusterIdentifier ?? "?",
    status: cluster.ClusterStatus ?? "unknown",
    nodeType: cluster.NodeType ?? "unknown",
    numberOfNodes: cluster.NumberOfNodes ?? 0,
    region,
    publiclyAccessible: cluster.PubliclyAccessible === true,
    encrypted: cluster.Encrypted === true,
    ...(cluster.ClusterCreateTime ? { createdAt: cluster.ClusterCreateTime.toISOString() } : {}),
  };
}

/** Runs one intent. */
export async function runAction(request: ActionRequest, deps: AgentDeps): Promise<AgentData> {
  if (request.action === "help") return { intent: "help", topics: HELP_TOPICS };
  const region = request.region ?? deps.defaultRegion;
  const redshift = clientFor(deps.redshift, region);
  switch (request.action) {
    case "list_clusters": {
      const clusters = (await listClusters(redshift)).map((c) => summary(c, region)).sort((a, b) => a.clusterId.localeCompare(b.clusterId));
      return { intent: "list_clusters", region, clusters };
    }
    case "extract_config":
      return { intent: "extract_config", config: clusterConfig(await clusterFacts(redshift, request.cluster_id), region) };
    case "assess_migration": {
      const [facts, inventory] = await Promise.all([clusterFacts(redshift, request.cluster_id), serverlessInventory(clientFor(deps.serverless, region))]);
      return { intent: "assess_migration", assessment: assessMigration(clusterConfig(facts, region), inventory) };
    }
  }
}

function withNotes(data: AgentData, notes: readonly string[]): AgentData {
  return notes.length === 0 ? data : { ...data, notes: [...(data.notes ?? []), ...notes] };
}

/** Free text through the deterministic parser. */
async function parsedAnswer(message: string, deps: AgentDeps, notes: readonly string[]): Promise<AgentResponse> {
  const parsed = parseIntent(message);
  let data: AgentData;
  if (parsed.kind === "action") data = await runAction(parsed.request, deps);
  else if (parsed.kind === "incomplete") {
    const what = parsed.action === "assess_migration" ? "assess for Serverless" : "extract the configuration of";
    data = { intent: "help", topics: HELP_TOPICS, unrecognised: `Which cluster should I ${what}? Name it, e.g. "cluster analytics-prod" (list your clusters to see their identifiers).` };
  } else {
    data = { intent: "help", topics: HELP_TOPICS, unrecognised: `I did not understand "${message.slice(0, 200)}". Try one of these:` };
  }
  data = withNotes(data, notes);
  return { response: responseText(data), data };
}

/** Free text: the model when one is configured (falling back to the parser with a note), else the parser. */
export async function answerMessage(message: string, deps: AgentDeps): Promise<AgentResponse> {
  if (!deps.model) return parsedAnswer(message, deps, []);
  const outcome = await converseWithTools(message, deps.model.settings, deps.model.converse, deps.defaultRegion, (request) => runAction(request, deps));
  if (outcome.kind === "failed") {
    deps.onModelFallback?.(outcome.reason);
    return parsedAnswer(message, deps, [`The model could not answer (${outcome.reason}); the built-in parser read your message instead.`]);
  }
  const data = withNotes(outcome.data ?? { intent: "help", topics: HELP_TOPICS }, outcome.notes);
  const notes = outcome.notes.map((n) => `Note: ${n}`).join("\n");
  const response = outcome.text ? [notes, outcome.text].filter(Boolean).join("\n\n") : responseText(data);
  return { response, data };
}

function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/** Validates the payload: size, shape, then the message or action schema (with errors naming the field). */
export function parseRequest(event: unknown): { message: string } | ActionRequest {
  const size = Buffer.byteLength(JSON.stringify(event) ?? "", "utf8");
  if (size > MAX_PAYLOAD_BYTES) throw new AgentFailure("PayloadTooLarge", `The payload is ${size} bytes; the limit is ${MAX_PAYLOAD_BYTES} bytes.`);
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new AgentFailure("InvalidRequest", 'Send a JSON object: {"message": "..."} or {"action": "list_clusters" | "extract_config" | "assess_migration" | "help", ...}.');
  }
  const schema = "action" in event ? actionRequest : "message" in event ? messageRequest : undefined;
  if (!schema) throw new AgentFailure("InvalidRequest", 'The payload needs "message" (free text) or "action" (list_clusters, extract_config, assess_migration, help).');
  const parsed = schema.safeParse(event);
  if (!parsed.success) throw new AgentFailure("InvalidRequest", `Invalid request: ${describeIssues(parsed.error.issues)}.`);
  return parsed.data;
}

/**
 * One invocation: an answer, or an answered error for anything the caller can act on. Other
 * errors (bugs) are rethrown for the handler to turn into a Lambda function error.
 */
export async function invokeAgent(event: unknown, deps: AgentDeps): Promise<AgentResponse | AgentError> {
  try {
    const request = parseRequest(event);
    if ("message" in request) return await answerMessage(request.message, deps);
    const data = await runAction(request, deps);
    return { response: responseText(data), data };
  } catch (error) {
    if (error instanceof AgentFailure) return { error: { code: error.code, message: error.message } };
    throw error;
  }
}
