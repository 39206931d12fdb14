/**
 * RedshiftAgentClient: typed calls of the Redshift migration agent through lambda:InvokeFunction.
 * Answers are parsed with the agent's contract; answered errors and Lambda function errors both
 * become a RedshiftAgentError carrying the agent's message.
 */
import { InvokeCommand, LambdaClient, type LambdaClientConfig } from "@aws-sdk/client-lambda";
import {
  agentResult,
  type AgentData,
  type AgentErrorCode,
  type AgentRequestInput,
  type AgentResponse,
} from "../../../functions/shared/contracts/redshift-agent";
import { AWS_CLIENT_DEFAULTS } from "../../../functions/shared/platform/aws-clients";
import { awsErrorCode } from "../../../functions/shared/platform/errors";

export type ClientErrorCode = AgentErrorCode | "FunctionError" | "InvalidResponse" | "InvokeFailed";

export class RedshiftAgentError extends Error {
  readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RedshiftAgentError";
    this.code = code;
  }
}

/** An answer whose data is of one intent. */
export type IntentResponse<I extends AgentData["intent"]> = { response: string; data: Extract<AgentData, { intent: I }> };

export interface RedshiftAgentClientOptions {
  /** The function's name or ARN, e.g. redshift-migration-agent-dev. */
  readonly functionName: string;
  /** An alias or version to invoke. @default $LATEST */
  readonly qualifier?: string;
  /** A ready LambdaClient; otherwise one is built from `lambdaConfig`. */
  readonly lambda?: LambdaClient;
  /** Region, endpoint, credentials … of the LambdaClient built here. */
  readonly lambdaConfig?: LambdaClientConfig;
}

export class RedshiftAgentClient {
  private readonly lambda: LambdaClient;
  constructor(private readonly options: RedshiftAgentClientOptions) {
    this.lambda = options.lambda ?? new LambdaClient({ ...AWS_CLIENT_DEFAULTS, ...options.lambdaConfig });
  }

  chat(message: string): Promise<AgentResponse> {
    return this.invoke({ message });
  }
  listClusters(region?: string): Promise<IntentResponse<"list_clusters">> {
    return this.expect("list_clusters", { action: "list_clusters", ...(region ? { region } : {}) });
  }
  extractConfig(clusterId: string, region?: string): Promise<IntentResponse<"extract_config">> {
    return this.expect("extract_config", { action: "extract_config", cluster_id: clusterId, ...(region ? { region } : {}) });
  }
  assessMigration(clusterId: string, region?: string): Promise<IntentResponse<"assess_migration">> {
    return this.expect("assess_migration", { action: "assess_migration", cluster_id: clusterId, ...(region ? { region } : {}) });
  }
  help(): Promise<IntentResponse<"help">> {
    return this.expect("help", { action: "help" });
  }

  /** One synchronous invoke; the answer parsed with the contract. */
  async invoke(request: AgentRequestInput): Promise<AgentResponse> {
    const name = this.options.functionName;
    let out;
    try {
      out = await this.lambda.send(
        new InvokeCommand({ FunctionName: name, Qualifier: this.options.qualifier, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(request)) }),
      );
    } catch (error) {
      const code = awsErrorCode(error);
      if (code === "AccessDeniedException" || code === "AccessDenied") {
        throw new RedshiftAgentError("AccessDenied", `You may not invoke ${name}: ask an administrator to add you to the agent's users group (redshift-agent access add <you>).`, { cause: error });
      }
      const message = (error as Error).message ?? "";
      if (/Region is missing/i.test(message)) throw new RedshiftAgentError("InvokeFailed", `No AWS region to find ${name} in: set AWS_REGION or pass --agent-region.`, { cause: error });
      if (/Could not load credentials/i.test(message)) throw new RedshiftAgentError("InvokeFailed", `No AWS credentials: set AWS_PROFILE or sign in (aws sso login) before invoking ${name}.`, { cause: error });
      if (code === "ResourceNotFoundException") throw new RedshiftAgentError("InvokeFailed", `There is no function ${name} in this account and region: check --env and --agent-region.`, { cause: error });
      throw new RedshiftAgentError("InvokeFailed", `Invoking ${name} failed (${code}): ${(error as Error).message}`, { cause: error });
    }
    const text = out.Payload ? Buffer.from(out.Payload).toString("utf8") : "";
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new RedshiftAgentError(out.FunctionError ? "FunctionError" : "InvalidResponse", `${name} answered something that is not JSON: ${text.slice(0, 200)}`);
    }
    if (out.FunctionError) {
      // Lambda's error payload: {errorType, errorMessage, trace}; the trace is never shown.
      const { errorType, errorMessage } = (body ?? {}) as { errorType?: string; errorMessage?: string };
      throw new RedshiftAgentError("FunctionError", `${name} failed${errorType ? ` (${errorType})` : ""}: ${errorMessage ?? out.FunctionError}`);
    }
    const parsed = agentResult.safeParse(body);
    if (!parsed.success) throw new RedshiftAgentError("InvalidResponse", `${name} answered outside its contract: ${parsed.error.issues[0]?.message ?? "unknown shape"}.`);
    if ("error" in parsed.data) throw new RedshiftAgentError(parsed.data.error.code, parsed.data.error.message);
    return parsed.data;
  }

  private async expect<I extends AgentData["intent"]>(intent: I, request: AgentRequestInput): Promise<IntentResponse<I>> {
    const answer = await this.invoke(request);
    if (answer.data.intent !== intent) throw new RedshiftAgentError("InvalidResponse", `Asked for ${intent}, the agent answered ${answer.data.intent}.`);
    return answer as IntentResponse<I>;
  }
}
