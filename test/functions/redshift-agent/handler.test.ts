import { expect } from "chai";
import { DescribeClusterParametersCommand, DescribeClustersCommand, DescribeLoggingStatusCommand } from "@aws-sdk/client-redshift";
import { BedrockRuntimeClient, ConverseCommand, ServiceUnavailableException, type ConverseCommandOutput } from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { agentResult, MAX_PAYLOAD_BYTES, type AgentData, type AgentResponse } from "../../../functions/shared/contracts/redshift-agent";
import { cluster, loadAgentHandler, mockRedshift, REGION, type AgentHandler as Handler, type RedshiftMocks } from "../../support/redshift-fixtures";

async function answer(handler: Handler, event: unknown): Promise<AgentResponse> {
  const result = agentResult.parse(await handler(event, { awsRequestId: "req-1" }));
  if ("error" in result) throw new Error(`unexpected error answer ${JSON.stringify(result)}`);
  return result;
}

function dataOf<I extends AgentData["intent"]>(response: AgentResponse, intent: I): Extract<AgentData, { intent: I }> {
  expect(response.data.intent).to.equal(intent);
  return response.data as Extract<AgentData, { intent: I }>;
}

describe("redshift agent handler", () => {
  let mocks: RedshiftMocks;
  let handler: Handler;
  beforeEach(() => {
    mocks = mockRedshift();
    handler = loadAgentHandler();
  });
  afterEach(() => mocks.restore());

  describe("with Redshift mocked", () => {
    it("lists clusters from every page", async () => {
      const res = await answer(handler, { action: "list_clusters" });
      const data = dataOf(res, "list_clusters");
      expect(data.clusters.map((c) => c.clusterId)).to.deep.equal(["analytics-prod", "legacy-dw"]);
      expect(data.region).to.equal(REGION);
      expect(mocks.redshift.commandCalls(DescribeClustersCommand)).to.have.length(2);
      expect(mocks.redshift.commandCalls(DescribeClustersCommand)[1].args[0].input).to.include({ Marker: "page-2" });
      expect(res.response).to.contain("2 Redshift clusters in us-east-2").and.contain("legacy-dw: available, 4 × dc2.large, NOT encrypted, PUBLIC");
    });

    it("lists another region when the message names one", async () => {
      const res = await answer(handler, { message: "List my Redshift clusters in Frankfurt" });
      expect(dataOf(res, "list_clusters").region).to.equal("eu-central-1");
      expect(await mocks.redshift.commandCalls(DescribeClustersCommand)[0].thisValue.config.region()).to.equal("eu-central-1");
    });

    it("extracts the whole configuration, parameters from every page with WLM parsed", async () => {
      const { config } = dataOf(await answer(handler, { action: "extract_config", cluster_id: "Analytics-Prod" }), "extract_config");
      expect(config).to.deep.include({ clusterId: "analytics-prod", nodeType: "ra3.4xlarge", numberOfNodes: 2, region: REGION });
      expect(config.encryption.kmsKeyId).to.match(/^arn:aws:kms:/);
      expect(config.network).to.deep.include({ vpcId: "vpc-0abc", enhancedVpcRouting: true, publiclyAccessible: false });
      expect(config.network.subnets.map((s) => s.subnetId)).to.deep.equal(["subnet-a", "subnet-b"]);
      expect(config.parameterGroup.parameters.map((p) => p.name)).to.include.members(["require_ssl", "wlm_json_configuration", "statement_timeout"]);
      expect(config.parameterGroup.wlm).to.deep.include({ mode: "manual", queues: 2 });
      expect(config.logging).to.deep.include({ enabled: true, destination: "s3", bucket: "audit-logs", userActivityLogging: true });
      expect(config.snapshots).to.deep.include({ scheduleId: "every-8h", scheduleDefinitions: ["rate(8 hours)"], automatedRetentionDays: 7 });
      expect(config.maintenance.track).to.equal("current");
      expect(config.tags).to.deep.equal({ team: "analytics" });
      expect(mocks.redshift.commandCalls(DescribeClusterParametersCommand)).to.have.length(2);
    });

    it("assesses migration: base RPU from memory, items with severities, readiness", async () => {
      const res = await answer(handler, { message: "Is legacy-dw ready for Serverless?" });
      const { assessment } = dataOf(res, "assess_migration");
      // 4 × dc2.large = 60 GiB -> 4 RPUs -> the minimum step, 8.
      expect(assessment.suggestedBaseRpu).to.equal(8);
      expect(assessment.readiness).to.equal("blocked");
      const topics = assessment.needsAction.map((n) => `${n.severity}:${n.topic}`);
      expect(topics).to.include.members(["high:Public access", "high:Subnets", "medium:Encryption", "medium:Audit logging", "medium:WLM queues", "medium:TLS", "medium:Parameter statement_timeout", "low:Snapshot schedule", "low:Tags"]);
      expect(topics.indexOf("high:Public access")).to.be.lessThan(topics.indexOf("low:Tags"));
      expect(assessment.carriesOver.join(" ")).to.contain("Enhanced VPC routing").and.contain("enable_user_activity_logging=true");
      expect(res.response).to.contain("[HIGH] Public access");
    });

    it("answers ClusterNotFound for a missing cluster", async () => {
      const res = agentResult.parse(await handler({ action: "assess_migration", cluster_id: "nope" }));
      expect(res).to.deep.equal({ error: { code: "ClusterNotFound", message: "There is no Redshift cluster named nope in this region; list the clusters to see their identifiers." } });
    });

    it("answers AccessDenied naming the refused call", async () => {
      mocks.redshift.on(DescribeLoggingStatusCommand).rejects(Object.assign(new Error("User is not authorized to perform redshift:DescribeLoggingStatus"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
      const res = agentResult.parse(await handler({ action: "extract_config", cluster_id: "analytics-prod" }));
      expect(res).to.have.nested.property("error.code", "AccessDenied");
      expect((res as { error: { message: string } }).error.message).to.contain("DescribeLoggingStatus");
    });

    it("rejects malformed and oversize payloads with the field named", async () => {
      const cases: Array<[unknown, string, RegExp]> = [
        ["hello", "InvalidRequest", /JSON object/],
        [{}, "InvalidRequest", /"message"/],
        [{ action: "drop_cluster" }, "InvalidRequest", /action/],
        [{ action: "extract_config" }, "InvalidRequest", /cluster_id/],
        [{ action: "extract_config", cluster_id: "bad id!" }, "InvalidRequest", /cluster_id/],
        [{ action: "list_clusters", region: "moon-1" }, "InvalidRequest", /region/],
        [{ action: "help", extra: 1 }, "InvalidRequest", /extra/],
        [{ message: "   " }, "InvalidRequest", /message/],
        [{ message: "x".repeat(MAX_PAYLOAD_BYTES) }, "PayloadTooLarge", /limit/],
      ];
      for (const [event, code, message] of cases) {
        const res = (await handler(event)) as { error: { code: string; message: string } };
        expect(res.error.code, JSON.stringify(event).slice(0, 60)).to.equal(code);
        expect(res.error.message).to.match(message);
      }
    });

    it("answers unknown text with help and examples", async () => {
      const res = await answer(handler, { message: "order a pizza" });
      const data = dataOf(res, "help");
      expect(data.unrecognised).to.contain("did not understand");
      expect(res.response).to.contain("List my Redshift clusters in us-east-2");
    });

    it("turns a bug into a function error with the request id and no stack", async () => {
      mocks.redshift.on(DescribeClustersCommand).rejects(new TypeError("Cannot read properties of undefined"));
      try {
        await handler({ action: "list_clusters" }, { awsRequestId: "req-42" });
        expect.fail("expected a function error");
      } catch (error) {
        expect((error as Error).name).to.equal("AgentInternalError");
        expect((error as Error).message).to.contain("req-42").and.not.contain("undefined");
        expect((error as Error).stack).to.not.contain(" at ");
      }
    });
  });

  describe("with a Bedrock model", () => {
    let bedrock: ReturnType<typeof mockClient>;
    const MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
    beforeEach(() => {
      bedrock = mockClient(BedrockRuntimeClient);
      handler = loadAgentHandler({ BEDROCK_MODEL_ID: MODEL, BEDROCK_MAX_TOOL_CALLS: "3" });
    });
    afterEach(() => bedrock.restore());

    const toolUse = (name: string, input: unknown, id = "t1"): ConverseCommandOutput =>
      ({ stopReason: "tool_use", output: { message: { role: "assistant", content: [{ toolUse: { toolUseId: id, name, input } }] } }, usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 }, metrics: { latencyMs: 1 }, $metadata: {} }) as ConverseCommandOutput;
    const endTurn = (text: string): ConverseCommandOutput =>
      ({ stopReason: "end_turn", output: { message: { role: "assistant", content: [{ text }] } }, usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 }, metrics: { latencyMs: 1 }, $metadata: {} }) as ConverseCommandOutput;

    it("runs a tool-use round trip: the model calls a read-only tool and summarises its result", async () => {
      bedrock.on(ConverseCommand).resolvesOnce(toolUse("assess_migration", { cluster_id: "analytics-prod" })).resolvesOnce(endTurn("analytics-prod needs 16 RPUs and some work."));
      const res = await answer(handler, { message: "How would my main warehouse do on serverless?" });
      expect(res.response).to.equal("analytics-prod needs 16 RPUs and some work.");
      expect(dataOf(res, "assess_migration").assessment.suggestedBaseRpu).to.equal(16);
      const calls = bedrock.commandCalls(ConverseCommand);
      expect(calls).to.have.length(2);
      expect(calls[0].args[0].input.modelId).to.equal(MODEL);
      expect(calls[0].args[0].input.toolConfig?.tools?.map((t) => t.toolSpec?.name)).to.deep.equal(["list_clusters", "extract_config", "assess_migration", "help"]);
      const toolResult = calls[1].args[0].input.messages?.at(-1)?.content?.[0]?.toolResult;
      expect(toolResult).to.deep.include({ toolUseId: "t1", status: "success" });
    });

    it("answers a malformed tool call with an error result the model can correct", async () => {
      bedrock
        .on(ConverseCommand)
        .resolvesOnce(toolUse("drop_cluster", { cluster_id: "analytics-prod" }, "bad"))
        .resolvesOnce(toolUse("extract_config", { cluster: "analytics-prod" }, "bad2"))
        .resolvesOnce(toolUse("extract_config", { cluster_id: "analytics-prod" }, "good"))
        .resolvesOnce(endTurn("Here is the configuration."));
      const res = await answer(handler, { message: "config please" });
      expect(dataOf(res, "extract_config").config.clusterId).to.equal("analytics-prod");
      const results = bedrock.commandCalls(ConverseCommand).slice(1).map((c) => c.args[0].input.messages?.at(-1)?.content?.[0]?.toolResult);
      expect(results[0]).to.deep.include({ toolUseId: "bad", status: "error" });
      expect(JSON.stringify(results[0]?.content)).to.contain("Invalid call of drop_cluster");
      expect(JSON.stringify(results[1]?.content)).to.contain("cluster_id");
    });

    it("falls back to the deterministic parser with a note when the model fails", async () => {
      bedrock.on(ConverseCommand).rejects(new ServiceUnavailableException({ message: "Bedrock is down", $metadata: {} }));
      const res = await answer(handler, { message: "List my Redshift clusters in us-east-2" });
      const data = dataOf(res, "list_clusters");
      expect(data.clusters).to.have.length(2);
      expect(data.notes?.[0]).to.contain("ServiceUnavailableException").and.contain("built-in parser");
      expect(res.response).to.match(/^Note: The model could not answer/);
    });

    it("stops the model at the tool-call bound", async () => {
      bedrock.on(ConverseCommand).resolves(toolUse("list_clusters", {}));
      const res = await answer(handler, { message: "list them, again and again" });
      expect(bedrock.commandCalls(ConverseCommand)).to.have.length(4); // 3 tool calls allowed, the 4th request is refused
      expect(mocks.redshift.commandCalls(DescribeClustersCommand)).to.have.length(6); // 3 listings × 2 pages
      expect(dataOf(res, "list_clusters").notes?.[0]).to.contain("stopped after 3 tool calls");
    });

    it("falls back when the bound is reached before any result", async () => {
      bedrock.on(ConverseCommand).resolves(toolUse("extract_config", { cluster_id: "BAD ID" }));
      const res = await answer(handler, { message: "help" });
      expect(dataOf(res, "help").notes?.[0]).to.contain("3 tool calls");
    });

    it("answers the tool's error when the only tool call failed", async () => {
      bedrock.on(ConverseCommand).resolvesOnce(toolUse("extract_config", { cluster_id: "missing" })).resolvesOnce(endTurn("No such cluster."));
      const res = agentResult.parse(await handler({ message: "show cluster missing" }));
      expect(res).to.have.nested.property("error.code", "ClusterNotFound");
    });

    it("keeps actions away from the model", async () => {
      await answer(handler, { action: "list_clusters", region: "eu-west-1" });
      expect(bedrock.commandCalls(ConverseCommand)).to.have.length(0);
      expect(cluster("x").ClusterIdentifier).to.equal("x");
    });
  });
});
