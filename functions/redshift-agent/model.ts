/**
 * Free text through a Bedrock model (Converse API) with the agent's read-only intents as its only
 * tools. The loop is bounded by a number of tool calls and a token budget; a failure of the model
 * is reported, never hidden, so the caller can fall back to the deterministic parser.
 */
import type { ContentBlock, ConverseCommandInput, ConverseCommandOutput, Message, Tool, ToolResultBlock } from "@aws-sdk/client-bedrock-runtime";
import { actionRequest, type ActionRequest, type AgentData } from "../shared/contracts/redshift-agent";
import { awsErrorCode } from "../shared/platform/errors";
import { AgentFailure } from "./failure";

export interface ModelSettings {
  readonly modelId: string;
  readonly maxToolCalls: number;
  readonly maxTokens: number;
  readonly tokenBudget: number;
}

/** One Converse call (BedrockRuntimeClient.send(new ConverseCommand(input))). */
export type Converse = (input: ConverseCommandInput) => Promise<ConverseCommandOutput>;

export type ModelOutcome =
  | { readonly kind: "answer"; readonly text: string; readonly data?: AgentData; readonly notes: string[] }
  | { readonly kind: "failed"; readonly reason: string };

const region = { type: "string", description: "AWS region code such as us-east-2; omit for the agent's own region" };
const clusterId = { type: "string", description: "Redshift cluster identifier, e.g. analytics-prod" };

/** The tools: exactly the agent's read-only intents. */
export const TOOLS: Tool[] = [
  { toolSpec: { name: "list_clusters", description: "List the provisioned Redshift clusters of a region.", inputSchema: { json: { type: "object", properties: { region }, additionalProperties: false } } } },
  {
    toolSpec: {
      name: "extract_config",
      description: "Extract one cluster's configuration: nodes, encryption, network, parameter group values and WLM, audit logging, snapshots, maintenance track, tags.",
      inputSchema: { json: { type: "object", properties: { cluster_id: clusterId, region }, required: ["cluster_id"], additionalProperties: false } },
    },
  },
  {
    toolSpec: {
      name: "assess_migration",
      description: "Assess one cluster's readiness for Redshift Serverless: suggested base RPU, what carries over, what needs action with a severity.",
      inputSchema: { json: { type: "object", properties: { cluster_id: clusterId, region }, required: ["cluster_id"], additionalProperties: false } },
    },
  },
  { toolSpec: { name: "help", description: "What this agent can do, with examples.", inputSchema: { json: { type: "object", properties: {}, additionalProperties: false } } } },
] as Tool[];

function systemPrompt(defaultRegion: string): string {
  return [
    "You help migrate Amazon Redshift provisioned clusters to Redshift Serverless.",
    "You can only read, through the tools given; never claim to change anything and never invent cluster data.",
    `When the user names no region, the tools use ${defaultRegion}.`,
    "Call the tool that answers the question, then summarise its result briefly for the user.",
  ].join(" ");
}

/** Validates a tool call against the contract: the tool name is the action, the input its fields. */
export function toolRequest(name: string | undefined, input: unknown): { ok: true; request: ActionRequest } | { ok: false; error: string } {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return { ok: false, error: `The input of ${name} must be a JSON object.` };
  const parsed = actionRequest.safeParse({ ...(input as Record<string, unknown>), action: name });
  if (parsed.success) return { ok: true, request: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ");
  return { ok: false, error: `Invalid call of ${name ?? "(no name)"}: ${problems}. Tools: ${TOOLS.map((t) => t.toolSpec?.name).join(", ")}.` };
}

function errorResult(toolUseId: string | undefined, text: string): ContentBlock {
  return { toolResult: { toolUseId, status: "error", content: [{ text }] } as ToolResultBlock };
}

export async function converseWithTools(
  message: string,
  settings: ModelSettings,
  converse: Converse,
  defaultRegion: string,
  runTool: (request: ActionRequest) => Promise<AgentData>,
): Promise<ModelOutcome> {
  const messages: Message[] = [{ role: "user", content: [{ text: message }] }];
  let toolCalls = 0;
  let tokens = 0;
  let lastData: AgentData | undefined;
  let lastFailure: AgentFailure | undefined;

  for (;;) {
    let out: ConverseCommandOutput;
    try {
      out = await converse({
        modelId: settings.modelId,
        system: [{ text: systemPrompt(defaultRegion) }],
        messages: [...messages], // a snapshot: the conversation grows after the call
        toolConfig: { tools: TOOLS, toolChoice: { auto: {} } },
        inferenceConfig: { maxTokens: settings.maxTokens, temperature: 0 },
      });
    } catch (error) {
      return { kind: "failed", reason: `${awsErrorCode(error)}: ${(error as Error).message}`.slice(0, 300) };
    }
    tokens += out.usage?.totalTokens ?? 0;
    const reply = out.output?.message;
    const content = reply?.content ?? [];

    if (out.stopReason === "tool_use") {
      const uses = content.flatMap((c) => (c.toolUse ? [c.toolUse] : []));
      if (!reply || uses.length === 0) return { kind: "failed", reason: "the model asked for a tool without naming one" };
      if (toolCalls + uses.length > settings.maxToolCalls || tokens >= settings.tokenBudget) {
        const limit = tokens >= settings.tokenBudget ? `its budget of ${settings.tokenBudget} tokens` : `${settings.maxToolCalls} tool calls`;
        if (!lastData) return { kind: "failed", reason: `the model reached ${limit} without an answer` };
        return { kind: "answer", text: "", data: lastData, notes: [`The model was stopped after ${limit}; this is the last result it obtained.`] };
      }
      messages.push(reply);
      const results: ContentBlock[] = [];
      for (const use of uses) {
        toolCalls += 1;
        const call = toolRequest(use.name, use.input);
        if (!call.ok) {
          results.push(errorResult(use.toolUseId, call.error));
          continue;
        }
        try {
          lastData = await runTool(call.request);
          results.push({ toolResult: { toolUseId: use.toolUseId, status: "success", content: [{ json: lastData as never }] } as ToolResultBlock });
        } catch (error) {
          if (!(error instanceof AgentFailure)) throw error;
          lastFailure = error;
          results.push(errorResult(use.toolUseId, `${error.code}: ${error.message}`));
        }
      }
      messages.push({ role: "user", content: results });
      continue;
    }

    if (out.stopReason === "end_turn" || out.stopReason === "stop_sequence" || out.stopReason === "max_tokens") {
      const text = content.flatMap((c) => (c.text ? [c.text] : [])).join("\n").trim();
      // A tool failed and nothing succeeded: the failure (e.g. ClusterNotFound) is the answer.
      if (!lastData && lastFailure) throw lastFailure;
      if (!text && !lastData) return { kind: "failed", reason: `the model ended (${out.stopReason}) without an answer` };
      return { kind: "answer", text, data: lastData, notes: [] };
    }
    return { kind: "failed", reason: `the model stopped with ${out.stopReason ?? "no stop reason"}` };
  }
}
