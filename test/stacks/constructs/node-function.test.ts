import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Construct } from "constructs";
import { SecureKmsKey } from "../../../stacks/constructs/kms-key";
import { NodeFunction } from "../../../stacks/constructs/node-function";
import { AlarmTopic } from "../../../stacks/constructs/alarm";
import { fakeBundleDir, only, statements, synthScope, type Synthesized } from "../../support/synth";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";

function build(scope: Construct, bundleDir: string, extra: Partial<ConstructorParameters<typeof NodeFunction>[2]> = {}): NodeFunction {
  const kmsKey = new SecureKmsKey(scope, "key", { description: "test", alias: "test", accountId: ACCOUNT, region: REGION });
  return new NodeFunction(scope, "fn", {
    entry: "demo",
    functionName: "demo-fn",
    description: "demo",
    accountId: ACCOUNT,
    region: REGION,
    kmsKey,
    logRetentionDays: 30,
    bundleDir,
    ...extra,
  });
}

describe("NodeFunction construct", () => {
  const bundleDir = fakeBundleDir("demo");
  let out: Synthesized;
  before(() => {
    out = synthScope((scope) => {
      const fn = build(scope, bundleDir, { environment: { TABLE: "t" } });
      fn.addToRolePolicy({ Sid: "ReadThing", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });
      fn.addEnvironment("BUCKET", "b");
    });
  });

  it("runs nodejs22.x on arm64 with explicit timeout and memory, from the hashed zip", () => {
    const fn = only(out, "aws_lambda_function");
    expect(fn).to.include({ runtime: "nodejs22.x", handler: "index.handler", timeout: 30, memory_size: 256, function_name: "demo-fn" });
    expect(fn.architectures).to.deep.equal(["arm64"]);
    const expected = createHash("sha256").update(readFileSync(join(bundleDir, "demo.zip"))).digest("base64");
    expect(fn.source_code_hash).to.equal(expected);
    expect(fn.filename).to.match(/demo\.zip$/);
  });

  it("encrypts its environment with the stack's key", () => {
    expect(only(out, "aws_lambda_function").kms_key_arn).to.match(/^\$\{aws_kms_key\..*\.arn\}$/);
  });

  it("creates its KMS-encrypted log group with retention before the function", () => {
    const logs = only(out, "aws_cloudwatch_log_group");
    expect(logs).to.include({ name: "/aws/lambda/demo-fn", retention_in_days: 30 });
    expect(logs.kms_key_id).to.match(/aws_kms_key\./);
    const fn = only(out, "aws_lambda_function");
    expect(fn.depends_on.some((d: string) => d.startsWith("aws_cloudwatch_log_group."))).to.equal(true);
    expect(fn.logging_config.log_group).to.equal("/aws/lambda/demo-fn");
  });

  it("gives the role only its own log writes, decrypting its own environment through Lambda, plus what was granted", () => {
    const policy = statements(only(out, "aws_iam_role_policy").policy);
    expect(policy.map((s) => s.Sid)).to.deep.equal(["WriteOwnLogs", "DecryptOwnEnvironment", "ReadThing"]);
    expect(policy[1]).to.deep.include({ Action: "kms:Decrypt", Condition: { StringEquals: { "kms:ViaService": `lambda.${REGION}.amazonaws.com` } } });
    expect(policy[1].Resource).to.match(/aws_kms_key\./);
    expect(policy[0].Resource).to.equal(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/demo-fn:*`);
    for (const s of policy) expect(s.Resource).to.not.equal("*");
    const trust = statements(only(out, "aws_iam_role").assume_role_policy)[0];
    expect(trust.Principal).to.deep.equal({ Service: "lambda.amazonaws.com" });
    expect(trust.Condition.StringEquals["aws:SourceAccount"]).to.equal(ACCOUNT);
  });

  it("sets the environment from props and grant methods", () => {
    expect(only(out, "aws_lambda_function").environment.variables).to.deep.include({ TABLE: "t", BUCKET: "b" });
  });

  it("lets the stack's key encrypt exactly its log group", () => {
    const keyPolicy = statements(only(out, "aws_kms_key").policy);
    const logs = keyPolicy.find((s) => s.Principal?.Service === `logs.${REGION}.amazonaws.com`);
    expect(logs?.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).to.equal(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/demo-fn*`);
  });

  it("adds VPC config and the failure destination with its publish grant when asked", () => {
    const vpcOut = synthScope((scope) => {
      const key = new SecureKmsKey(scope, "k2", { description: "t", alias: "t2", accountId: ACCOUNT, region: REGION });
      const topic = new AlarmTopic(scope, "topic", { name: "alarms", accountId: ACCOUNT, kmsKey: key });
      build(scope, bundleDir, { vpc: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] }, onFailure: topic });
    });
    const fn = only(vpcOut, "aws_lambda_function");
    expect(fn.vpc_config).to.deep.equal({ subnet_ids: ["subnet-1"], security_group_ids: ["sg-1"] });
    const invokeConfig = only(vpcOut, "aws_lambda_function_event_invoke_config");
    expect(invokeConfig.destination_config.on_failure.destination).to.match(/aws_sns_topic\./);
    const sids = statements(only(vpcOut, "aws_iam_role_policy").policy).map((s) => s.Sid);
    expect(sids).to.include.members(["ManageVpcNetworkInterfaces", "PublishToAlarmTopic", "EncryptForAlarmTopic"]);
  });

  it("fails loudly, naming the command, when the bundle is missing", () => {
    expect(() => synthScope((scope) => build(scope, fakeBundleDir()))).to.throw(/demo\.zip is missing: run `npm run bundle`/);
  });
});
