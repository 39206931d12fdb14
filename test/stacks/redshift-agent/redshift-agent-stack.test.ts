import { expect } from "chai";
import { Testing } from "cdktf";
import { RedshiftAgentStack } from "../../../stacks/redshift-agent/redshift-agent-stack";
import { bedrockModelResources } from "../../../stacks/redshift-agent/agent-function";
import type { AppConfig } from "../../../stacks/config";
import { ensureBundles } from "../../support/bundles";
import { only, resources, statements, synth, testConfig, type Resource, type Synthesized } from "../../support/synth";

const FN_ARN = /^\$\{aws_lambda_function\.[\w-]+\.arn\}$/;

function withAgent(settings: Partial<AppConfig["redshiftAgent"]>): AppConfig {
  const base = testConfig();
  return { ...base, redshiftAgent: { ...base.redshiftAgent, ...settings } };
}

function rolePolicy(out: Synthesized): Resource[] {
  return statements(only(out, "aws_iam_role_policy").policy);
}

describe("redshift-agent stack", () => {
  let out: Synthesized;
  let withEverything: Synthesized;
  before(async function () {
    this.timeout(120000);
    await ensureBundles();
    out = synth(new RedshiftAgentStack(Testing.app(), testConfig()));
    withEverything = synth(
      new RedshiftAgentStack(
        Testing.app(),
        withAgent({ allowedUsers: ["bob", "alice", "bob"], bedrockModelId: "eu.anthropic.claude-3-haiku-20240307-v1:0", cloudTrailDataEvents: { retentionDays: 90 } }),
      ),
    );
  });

  it("creates the function with bounded concurrency, an encrypted environment and its log group first", () => {
    const fn = only(out, "aws_lambda_function");
    expect(fn.function_name).to.equal("redshift-migration-agent-dev");
    expect(fn.reserved_concurrent_executions).to.equal(5);
    expect(fn.kms_key_arn).to.match(/aws_kms_key\./);
    expect(fn.timeout).to.equal(60);
    expect(fn.depends_on.some((d: string) => d.startsWith("aws_cloudwatch_log_group."))).to.equal(true);
    expect(only(out, "aws_cloudwatch_log_group")).to.include({ name: "/aws/lambda/redshift-migration-agent-dev" });
  });

  it("has no public access: no resource policy, no function URL", () => {
    for (const o of [out, withEverything]) {
      expect(resources(o, "aws_lambda_permission")).to.have.length(0);
      expect(resources(o, "aws_lambda_function_url")).to.have.length(0);
    }
  });

  it("scopes the invoke policy to the function and its aliases, and attaches it to the group", () => {
    const policy = only(out, "aws_iam_policy");
    expect(policy.name).to.equal("RedshiftAgentInvokePolicy-dev");
    const [statement, ...rest] = statements(policy.policy);
    expect(rest).to.have.length(0);
    expect(statement).to.deep.include({ Effect: "Allow", Action: "lambda:InvokeFunction" });
    const [arn, aliases] = statement.Resource as string[];
    expect(arn).to.match(FN_ARN);
    expect(aliases).to.equal(`${arn}:*`);
    const group = only(out, "aws_iam_group");
    expect(group.name).to.equal("RedshiftAgentUsers-dev");
    const attachment = only(out, "aws_iam_group_policy_attachment");
    expect(attachment.group).to.match(/^\$\{aws_iam_group\.[\w-]+\.name\}$/);
    expect(attachment.policy_arn).to.match(/^\$\{aws_iam_policy\.[\w-]+\.arn\}$/);
  });

  it("joins the settings' users non-exclusively and never creates an access key", () => {
    expect(resources(out, "aws_iam_user_group_membership")).to.have.length(0);
    const memberships = resources(withEverything, "aws_iam_user_group_membership");
    expect(memberships.map((m) => m.user)).to.deep.equal(["alice", "bob"]);
    for (const m of memberships) expect(m.groups).to.have.length(1).and.satisfy((g: string[]) => /^\$\{aws_iam_group\.[\w-]+\.name\}$/.test(g[0]));
    for (const o of [out, withEverything]) {
      expect(resources(o, "aws_iam_access_key")).to.have.length(0);
      expect(resources(o, "aws_iam_group_membership")).to.have.length(0); // the exclusive one would drop CLI-added users
      expect(resources(o, "aws_iam_user")).to.have.length(0);
    }
  });

  it("gives the role read-only Redshift and Redshift Serverless calls, and no model without a setting", () => {
    const actions = rolePolicy(out).flatMap((s) => [s.Action].flat() as string[]);
    for (const action of actions) expect(action).to.match(/^(redshift:Describe\w+|redshift-serverless:List\w+|logs:CreateLogStream|logs:PutLogEvents|kms:Decrypt)$/);
    expect(actions).to.include.members(["redshift:DescribeClusters", "redshift:DescribeClusterParameters", "redshift:DescribeLoggingStatus", "redshift:DescribeSnapshotSchedules", "redshift-serverless:ListNamespaces"]);
    expect(rolePolicy(out).find((s) => s.Sid === "ReadClusterLoggingStatus")?.Resource).to.equal("arn:aws:redshift:*:111111111111:cluster:*");
    expect(only(out, "aws_lambda_function").environment.variables).to.not.have.property("BEDROCK_MODEL_ID");
  });

  it("allows bedrock:InvokeModel on the configured model only", () => {
    const model = rolePolicy(withEverything).filter((s) => [s.Action].flat().some((a: string) => a.startsWith("bedrock:")));
    expect(model).to.have.length(1);
    expect(model[0].Action).to.equal("bedrock:InvokeModel");
    expect(model[0].Resource).to.deep.equal([
      "arn:aws:bedrock:eu-west-1:111111111111:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0",
      "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    ]);
    expect(only(withEverything, "aws_lambda_function").environment.variables).to.include({ BEDROCK_MODEL_ID: "eu.anthropic.claude-3-haiku-20240307-v1:0", BEDROCK_MAX_TOOL_CALLS: "4" });
  });

  it("lets an application inference profile reach its foundation models, only through that profile", () => {
    const profile = "arn:aws:bedrock:eu-west-1:111111111111:application-inference-profile/a1b2c3d4e5f6";
    const model = rolePolicy(synth(new RedshiftAgentStack(Testing.app(), withAgent({ bedrockModelId: profile })))).filter((s) => [s.Action].flat().some((a: string) => a.startsWith("bedrock:")));
    expect(model.map((s) => s.Resource)).to.deep.equal([[profile], "arn:aws:bedrock:*::foundation-model/*"]);
    expect(model[1].Condition).to.deep.equal({ StringEquals: { "bedrock:InferenceProfileArn": profile } });
  });

  it("alarms on errors, throttles and a duration near the timeout", () => {
    const alarms = resources(out, "aws_cloudwatch_metric_alarm");
    expect(alarms.map((a) => a.metric_name).sort()).to.deep.equal(["Duration", "Errors", "Throttles"]);
    expect(alarms.find((a) => a.metric_name === "Duration")).to.include({ statistic: "Maximum", threshold: 48000 });
    for (const a of alarms) expect(a.dimensions).to.deep.equal({ FunctionName: "redshift-migration-agent-dev" });
    // With a model, fallbacks to the parser alarm too.
    const fallback = resources(withEverything, "aws_cloudwatch_metric_alarm").find((a) => a.metric_name === "ModelFallback");
    expect(fallback).to.deep.include({ namespace: "RedshiftAgent", dimensions: { service: "redshift-migration-agent" } });
  });

  it("records invocations with CloudTrail data events into a private, encrypted, expiring bucket only when asked", () => {
    expect(resources(out, "aws_cloudtrail")).to.have.length(0);
    const trail = only(withEverything, "aws_cloudtrail");
    expect(trail).to.include({ enable_log_file_validation: true, is_multi_region_trail: false });
    expect(trail.kms_key_id).to.match(/aws_kms_key\./);
    const selectors = trail.advanced_event_selector as Array<{ field_selector: Array<Record<string, unknown>> }>;
    expect(selectors).to.have.length(2);
    for (const s of selectors) {
      expect(s.field_selector).to.deep.include({ field: "eventCategory", equals: ["Data"] });
      expect(s.field_selector).to.deep.include({ field: "resources.type", equals: ["AWS::Lambda::Function"] });
    }
    const arnSelectors = selectors.map((s) => s.field_selector.find((f) => f.field === "resources.ARN"));
    expect((arnSelectors[0]?.equals as string[])[0]).to.match(FN_ARN);
    expect((arnSelectors[1]?.starts_with as string[])[0]).to.match(/aws_lambda_function\..*\.arn\}:$/);

    const bucketPolicy = statements(only(withEverything, "aws_s3_bucket_policy").policy);
    const trailArn = "arn:aws:cloudtrail:eu-west-1:111111111111:trail/csp-dev-redshift-agent-invocations";
    for (const sid of ["CloudTrailAclCheck", "CloudTrailWrite"]) expect(bucketPolicy.find((s) => s.Sid === sid)?.Condition.StringEquals["aws:SourceArn"]).to.equal(trailArn);
    expect(bucketPolicy.find((s) => s.Sid === "DenyInsecureTransport")).to.not.equal(undefined);
    expect(only(withEverything, "aws_s3_bucket_public_access_block")).to.include({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(only(withEverything, "aws_s3_bucket_lifecycle_configuration").rule[0].expiration).to.deep.equal([{ days: 90 }]);
    const keyPolicy = statements(only(withEverything, "aws_kms_key").policy);
    expect(keyPolicy.find((s) => s.Sid === "CloudTrailEncryptsInvocationRecords")?.Condition.StringEquals["aws:SourceArn"]).to.equal(trailArn);
    expect(trail.depends_on[0]).to.match(/^aws_s3_bucket_policy\./);
  });

  it("outputs the function, policy and group", () => {
    expect(Object.keys(out.output ?? {})).to.include.members(["agentFunctionName", "agentFunctionArn", "invokePolicyArn", "usersGroupName"]);
    expect(Object.keys(withEverything.output ?? {})).to.include("invocationRecordsBucket");
  });
});

describe("bedrockModelResources", () => {
  it("names one foundation model, or an inference profile with its model in every region", () => {
    expect(bedrockModelResources("anthropic.claude-3-haiku-20240307-v1:0", "us-east-2", "111111111111")).to.deep.equal(["arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"]);
    const profileArn = "arn:aws:bedrock:us-east-2:111111111111:inference-profile/eu.amazon.nova-lite-v1:0";
    expect(bedrockModelResources(profileArn, "us-east-2", "111111111111")).to.deep.equal([profileArn, "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0"]);
  });
});
