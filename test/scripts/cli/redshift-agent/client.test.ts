/**
 * Contract test: the real RedshiftAgentClient and the real @aws-sdk/client-lambda, pointed at a
 * local stand-in of the Lambda Invoke API that runs the real agent handler (Redshift mocked).
 */
import { expect } from "chai";
import { DescribeClustersCommand } from "@aws-sdk/client-redshift";
import { agentFunctionName } from "../../../../functions/shared/contracts/redshift-agent";
import { RedshiftAgentClient, RedshiftAgentError } from "../../../../scripts/cli/redshift-agent/client";
import { startInvokeServer, type InvokeServer } from "../../../support/lambda-invoke-server";
import { loadAgentHandler, mockRedshift, type RedshiftMocks } from "../../../support/redshift-fixtures";

const FUNCTION = agentFunctionName("dev");

async function rejection(promise: Promise<unknown>): Promise<RedshiftAgentError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(RedshiftAgentError);
    return error as RedshiftAgentError;
  }
  throw new Error("expected a RedshiftAgentError");
}

describe("RedshiftAgentClient against the real handler (local Lambda Invoke API)", () => {
  let server: InvokeServer;
  let mocks: RedshiftMocks;
  let client: RedshiftAgentClient;
  const lambdaConfig = () => ({ region: "us-east-2", endpoint: server.endpoint, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } });

  before(async () => {
    server = await startInvokeServer({ [FUNCTION]: loadAgentHandler() });
  });
  after(() => server.close());
  beforeEach(() => {
    mocks = mockRedshift();
    client = new RedshiftAgentClient({ functionName: FUNCTION, lambdaConfig: lambdaConfig() });
  });
  afterEach(() => mocks.restore());

  it("chat: free text in, contract-checked answer out", async () => {
    const answer = await client.chat("List my Redshift clusters in us-east-2");
    expect(answer.data.intent).to.equal("list_clusters");
    expect(answer.response).to.contain("analytics-prod");
    expect(server.invocations.at(-1)?.payload).to.deep.equal({ message: "List my Redshift clusters in us-east-2" });
  });

  it("listClusters", async () => {
    const { data } = await client.listClusters("us-east-2");
    expect(data.clusters.map((c) => c.clusterId)).to.deep.equal(["analytics-prod", "legacy-dw"]);
    expect(mocks.redshift.commandCalls(DescribeClustersCommand)).to.have.length(2);
  });

  it("extractConfig", async () => {
    const { data } = await client.extractConfig("analytics-prod", "us-east-2");
    expect(data.config.parameterGroup.wlm.mode).to.equal("manual");
  });

  it("assessMigration", async () => {
    const { data } = await client.assessMigration("analytics-prod");
    expect(data.assessment.suggestedBaseRpu).to.equal(16);
  });

  it("help", async () => {
    const { data } = await client.help();
    expect(data.topics.map((t) => t.intent)).to.deep.equal(["list_clusters", "extract_config", "assess_migration", "help"]);
  });

  it("an answered error becomes a typed error with the agent's message", async () => {
    const error = await rejection(client.assessMigration("missing-cluster"));
    expect(error.code).to.equal("ClusterNotFound");
    expect(error.message).to.contain("missing-cluster");
  });

  it("a request the contract rejects comes back as InvalidRequest", async () => {
    const error = await rejection(client.extractConfig("not a cluster id"));
    expect(error.code).to.equal("InvalidRequest");
    expect(error.message).to.contain("cluster_id");
  });

  it("a function error becomes a typed error with the agent's message and no trace", async () => {
    mocks.redshift.on(DescribeClustersCommand).rejects(new TypeError("x is undefined"));
    const error = await rejection(client.listClusters());
    expect(error.code).to.equal("FunctionError");
    expect(error.message).to.match(/^redshift-migration-agent-dev failed \(AgentInternalError\): The agent failed unexpectedly; quote request id [0-9a-f-]+/);
    expect(error.message).to.not.contain(" at ");
  });

  it("an unknown function is InvokeFailed with a sentence", async () => {
    const other = new RedshiftAgentClient({ functionName: agentFunctionName("prod"), lambdaConfig: lambdaConfig() });
    const error = await rejection(other.help());
    expect(error.code).to.equal("InvokeFailed");
    expect(error.message).to.contain("no function redshift-migration-agent-prod");
  });

  it("passes the qualifier (alias) through", async () => {
    await new RedshiftAgentClient({ functionName: FUNCTION, qualifier: "live", lambdaConfig: lambdaConfig() }).help();
    expect(server.invocations.at(-1)?.qualifier).to.equal("live");
  });
});
