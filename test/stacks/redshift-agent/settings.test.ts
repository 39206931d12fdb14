import { expect } from "chai";
import { loadConfig } from "../../../stacks/config";
import { SETTINGS } from "../../../stacks/settings";

function devWithAgent(agent: Record<string, unknown>): unknown {
  const copy = JSON.parse(JSON.stringify(SETTINGS));
  copy.dev.redshiftAgent = { ...copy.dev.redshiftAgent, ...agent };
  return copy;
}

describe("redshiftAgent settings", () => {
  it("defaults to no users, no model, no trail and a concurrency cap", () => {
    const { redshiftAgent } = loadConfig({ environment: "dev", settings: devWithAgent({ allowedUsers: undefined, reservedConcurrency: undefined, timeoutSeconds: undefined }) });
    expect(redshiftAgent).to.deep.equal({ allowedUsers: [], bedrockMaxToolCalls: 4, reservedConcurrency: 5, timeoutSeconds: 60 });
  });

  it("records invocations in staging and prod", () => {
    for (const environment of ["staging", "prod"]) expect(loadConfig({ environment }).redshiftAgent.cloudTrailDataEvents?.retentionDays).to.be.a("number");
  });

  it("accepts model ids, inference profiles and their ARNs", () => {
    for (const id of ["anthropic.claude-3-haiku-20240307-v1:0", "eu.anthropic.claude-3-5-sonnet-20240620-v1:0", "global.anthropic.claude-sonnet-4-20250514-v1:0", "amazon.nova-lite-v1:0", "arn:aws:bedrock:us-east-2:111111111111:inference-profile/us.amazon.nova-lite-v1:0"]) {
      expect(loadConfig({ environment: "dev", settings: devWithAgent({ bedrockModelId: id }) }).redshiftAgent.bedrockModelId).to.equal(id);
    }
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ["a model id with spaces", { bedrockModelId: "claude please" }, /^Invalid setting environments\.dev\.redshiftAgent\.bedrockModelId: expected a Bedrock model id/],
    ["an inference profile of another geography (dev is eu-west-1)", { bedrockModelId: "us.anthropic.claude-3-haiku-20240307-v1:0" }, /^Invalid setting environments\.dev\.redshiftAgent\.bedrockModelId: expected an inference profile callable from eu-west-1: "us\." profiles/],
    ["a user name IAM rejects", { allowedUsers: ["alice smith"] }, /^Invalid setting environments\.dev\.redshiftAgent\.allowedUsers\.0: expected IAM user names/],
    ["no concurrency", { reservedConcurrency: 0 }, /environments\.dev\.redshiftAgent\.reservedConcurrency/],
    ["an unknown trail key", { cloudTrailDataEvents: { days: 5 } }, /^Unknown setting environments\.dev\.redshiftAgent\.cloudTrailDataEvents\.days/],
  ];
  for (const [what, agent, message] of bad) {
    it(`names the key for ${what}`, () => {
      expect(() => loadConfig({ environment: "dev", settings: devWithAgent(agent) })).to.throw(message);
    });
  }
});
