import { expect } from "chai";
import { findClusterId, findRegion, parseIntent, type ParsedIntent } from "../../../functions/redshift-agent/intent-parser";

const action = (request: Record<string, string>): ParsedIntent => ({ kind: "action", request } as ParsedIntent);

describe("redshift agent intent parser", () => {
  const table: Array<[string, ParsedIntent]> = [
    // Listing: phrasings and regions (codes and place names).
    ["List my Redshift clusters in us-east-2", action({ action: "list_clusters", region: "us-east-2" })],
    ["list clusters", action({ action: "list_clusters" })],
    ["Which clusters do I have in Frankfurt?", action({ action: "list_clusters", region: "eu-central-1" })],
    ["How many Redshift clusters are there in N. Virginia", action({ action: "list_clusters", region: "us-east-1" })],
    ["List clusters in Virginia", action({ action: "list_clusters", region: "us-east-1" })],
    ["show all my clusters in Ohio please", action({ action: "list_clusters", region: "us-east-2" })],
    ["What clusters exist in eu-west-1?", action({ action: "list_clusters", region: "eu-west-1" })],
    ["Which of my clusters are ready for serverless?", action({ action: "list_clusters" })],
    // Extracting a configuration.
    ["Show the configuration of cluster analytics-prod", action({ action: "extract_config", cluster_id: "analytics-prod" })],
    ["Extract config of analytics-prod in eu-west-1", action({ action: "extract_config", cluster_id: "analytics-prod", region: "eu-west-1" })],
    ["describe the reporting cluster in Tokyo", action({ action: "extract_config", cluster_id: "reporting", region: "ap-northeast-1" })],
    ['What are the WLM settings of "dw1"?', action({ action: "extract_config", cluster_id: "dw1" })],
    ["cluster id: Sales-DW", action({ action: "extract_config", cluster_id: "sales-dw" })],
    ["Show the config", { kind: "incomplete", action: "extract_config" }],
    // Assessing a migration.
    ["Is analytics-1 ready for Serverless?", action({ action: "assess_migration", cluster_id: "analytics-1" })],
    ["Assess migration of cluster analytics-prod in us-east-2", action({ action: "assess_migration", cluster_id: "analytics-prod", region: "us-east-2" })],
    ["How many RPUs would cluster bi-main need?", action({ action: "assess_migration", cluster_id: "bi-main" })],
    ["migrate the etl cluster to serverless in London", action({ action: "assess_migration", cluster_id: "etl", region: "eu-west-2" })],
    ["Can I migrate my cluster?", { kind: "incomplete", action: "assess_migration" }],
    ["assess readiness in Sydney", { kind: "incomplete", action: "assess_migration", region: "ap-southeast-2" }],
    // Help and unknown text.
    ["help", action({ action: "help" })],
    ["What can you do?", action({ action: "help" })],
    ["show me some examples", action({ action: "help" })],
    ["hello there", { kind: "unknown" }],
    ["", { kind: "unknown" }],
    ["Order a pizza to us-east-2", { kind: "unknown" }],
  ];
  for (const [message, expected] of table) {
    it(`reads ${JSON.stringify(message)}`, () => {
      expect(parseIntent(message)).to.deep.equal(expected);
    });
  }

  it("never takes a region code or a filler word for a cluster id", () => {
    expect(findClusterId("assess for us-east-2")).to.equal(undefined);
    expect(findClusterId("the cluster in eu-west-1")).to.equal(undefined);
    expect(findClusterId("my redshift cluster")).to.equal(undefined);
    expect(findClusterId("nodes are ra3.4xlarge")).to.equal(undefined);
  });

  it("reads a cluster id that ends in a region code as the id, not as a region", () => {
    expect(parseIntent("assess cluster dw-eu-west-1")).to.deep.equal(action({ action: "assess_migration", cluster_id: "dw-eu-west-1" }));
    expect(parseIntent("Is analytics-us-east-1 ready for Serverless in us-east-1?")).to.deep.equal(
      action({ action: "assess_migration", cluster_id: "analytics-us-east-1", region: "us-east-1" }),
    );
    expect(findRegion("describe cluster reports-ap-south-1")).to.equal(undefined);
  });

  it("prefers a region code to a place name and ignores unknown places", () => {
    expect(findRegion("Paris or eu-central-1")).to.equal("eu-central-1");
    expect(findRegion("in Atlantis")).to.equal(undefined);
    expect(findRegion("us-gov-west-1")).to.equal("us-gov-west-1");
  });
});
