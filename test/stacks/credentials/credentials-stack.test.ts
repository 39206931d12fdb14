import { expect } from "chai";
import { Testing } from "cdktf";
import { CredentialsStack } from "../../../stacks/credentials/credentials-stack";
import { loadConfig } from "../../../stacks/config";
import { SETTINGS } from "../../../stacks/settings";
import { SECRET_AGE_METRICS } from "../../../functions/shared/contracts/secret-age";
import { judgeStack } from "../../../stacks/rules/evaluate";
import lambdaFunctionNoSecretsInEnvironment from "../../../stacks/rules/lambda-function-no-secrets-in-environment";
import { StackModel } from "../../../stacks/rules/support/stack-model";
import { ensureBundles } from "../../support/bundles";
import { resources, statements, synth, testConfig, type Resource, type Synthesized } from "../../support/synth";

function fnPolicy(out: Synthesized, functionName: string): Resource[] {
  const role = Object.entries(out.resource.aws_iam_role).find(([, r]) => r.name === functionName);
  if (!role) throw new Error(`no role ${functionName}`);
  const policy = resources(out, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${role[0]}.id}`);
  return statements(policy!.policy);
}
const refOf = (out: Synthesized, type: string, pick: (r: Resource) => boolean) => `${type}.${Object.entries(out.resource[type]).find(([, r]) => pick(r))![0]}`;

describe("credentials stack", () => {
  let out: Synthesized;
  before(async function () {
    this.timeout(120000);
    await ensureBundles();
    out = synth(new CredentialsStack(Testing.app(), testConfig()));
  });

  it("creates the two secrets named from settings under the stack's customer key, with no value in Terraform", () => {
    const secrets = resources(out, "aws_secretsmanager_secret");
    expect(secrets.map((s) => s.name).sort()).to.deep.equal(["avesa/clickhouse/dev", "avesa/postgres/dev"]);
    for (const s of secrets) expect(s.kms_key_id).to.match(/^\$\{aws_kms_key\./);
    expect(out.resource.aws_secretsmanager_secret_version).to.equal(undefined);
    expect(JSON.stringify(out)).to.not.match(/secret_string|random_password/);
  });

  it("rotates every 90 days without rotating at apply time, after the invoke permission exists", () => {
    const rotations = resources(out, "aws_secretsmanager_secret_rotation");
    expect(rotations).to.have.length(2);
    const permission = refOf(out, "aws_lambda_permission", (p) => p.principal === "secretsmanager.amazonaws.com");
    for (const r of rotations) {
      expect(r.rotation_rules).to.deep.equal({ automatically_after_days: 90 });
      expect(r.rotate_immediately).to.equal(false);
      expect(r.depends_on).to.include(permission);
    }
    const [p] = resources(out, "aws_lambda_permission").filter((x) => x.principal === "secretsmanager.amazonaws.com");
    expect(p.source_account).to.equal("111111111111");
  });

  it("admits only the rotation function, the trigger and the operator roles to the secrets' values", () => {
    for (const policy of resources(out, "aws_secretsmanager_secret_policy")) {
      expect(policy.block_public_policy).to.equal(true);
      const [deny] = statements(policy.policy);
      expect(deny).to.include({ Effect: "Deny", Principal: "*" });
      expect(deny.Action).to.include.members(["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]);
      const admitted = deny.Condition.StringNotEquals["aws:PrincipalArn"];
      expect(admitted).to.have.length(3);
      expect(admitted.join(" ")).to.match(/aws_iam_role\.rotation_function_role_.*aws_iam_role\.operator-role.*aws_iam_role\.trigger_function_role/);
    }
  });

  it("limits the rotation function to its secrets, their key through Secrets Manager and GetRandomPassword", () => {
    const policy = fnPolicy(out, "csp-dev-credentials-secret-rotation");
    const rotate = policy.find((s) => s.Sid === "RotateOwnSecrets")!;
    expect(rotate.Action).to.deep.equal(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]);
    expect(rotate.Resource).to.have.length(2);
    expect(policy.find((s) => s.Resource === "*")).to.deep.include({ Action: "secretsmanager:GetRandomPassword" });
    const kms = policy.find((s) => s.Sid === "UseSecretsKeyThroughSecretsManager")!;
    expect(kms.Condition).to.deep.equal({ StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } });
    const fn = resources(out, "aws_lambda_function").find((f) => f.function_name === "csp-dev-credentials-secret-rotation")!;
    expect(fn.timeout).to.equal(60);
    expect(fn.kms_key_arn).to.match(/^\$\{aws_kms_key\./);
  });

  it("triggers rotation from SNS through RotateSecret for the managed secrets only", () => {
    const policy = fnPolicy(out, "csp-dev-credentials-rotation-trigger");
    const rotate = policy.find((s) => s.Sid === "RotateManagedSecrets")!;
    expect(rotate.Action).to.include("secretsmanager:RotateSecret");
    expect(rotate.Resource).to.have.length(2);
    expect(policy.find((s) => s.Sid === "InvokeRotationFunction")!.Resource).to.match(/aws_lambda_function\.rotation_function/);
    const [sub] = resources(out, "aws_sns_topic_subscription").filter((s) => s.protocol === "lambda");
    expect(sub.topic_arn).to.match(/aws_sns_topic\.trigger_topic/);
    const snsPermission = resources(out, "aws_lambda_permission").find((p) => p.principal === "sns.amazonaws.com")!;
    expect(snsPermission.source_arn).to.match(/aws_sns_topic\.trigger_topic/);
    const fn = resources(out, "aws_lambda_function").find((f) => f.function_name === "csp-dev-credentials-rotation-trigger")!;
    expect(fn.environment.variables.MANAGED_SECRET_ARNS).to.match(/join\(",", \[aws_secretsmanager_secret\./);
    for (const t of resources(out, "aws_sns_topic")) expect(t.kms_master_key_id).to.match(/aws_kms_key/);
  });

  it("sends rotation failures to the alarm topic, with a DLQ, and lets only that rule publish", () => {
    const [rule] = resources(out, "aws_cloudwatch_event_rule").filter((r) => r.name.endsWith("-failures"));
    const pattern = JSON.parse(rule.event_pattern);
    expect(pattern.detail.eventName).to.deep.equal(["RotationFailed", "RotationAbandoned"]);
    expect(pattern.detail.additionalEventData.SecretId).to.have.length(2);
    const target = resources(out, "aws_cloudwatch_event_target").find((t) => t.rule.includes("failure-rule"))!;
    expect(target.arn).to.match(/aws_sns_topic\.alarm-topic/);
    expect(target.dead_letter_config.arn).to.match(/aws_sqs_queue\./);
    const [queue] = resources(out, "aws_sqs_queue");
    expect(queue.kms_master_key_id).to.match(/aws_kms_key/);
    const topicPolicy = resources(out, "aws_sns_topic_policy").find((p) => p.arn.includes("alarm-topic"))!;
    const events = statements(topicPolicy.policy).find((s) => s.Principal?.Service === "events.amazonaws.com")!;
    expect(events.Condition.ArnEquals["aws:SourceArn"]).to.match(/aws_cloudwatch_event_rule\.rotation_failure-rule/);
  });

  it("alarms when a secret is older than its rotation period", () => {
    const alarms = resources(out, "aws_cloudwatch_metric_alarm").filter((a) => a.metric_name === SECRET_AGE_METRICS.metricName);
    expect(alarms.map((a) => a.dimensions.SecretName).sort()).to.deep.equal(["avesa/clickhouse/dev", "avesa/postgres/dev"]);
    for (const a of alarms) {
      expect(a).to.include({ namespace: "Credentials", statistic: "Maximum", threshold: 92 });
      expect(a.dimensions.service).to.equal(SECRET_AGE_METRICS.service);
    }
  });

  it("uses secret names, rotation days and VPC settings, and creates a Secrets Manager endpoint for private databases", () => {
    const config = testConfig();
    const custom = synth(
      new CredentialsStack(
        Testing.app(),
        testConfig({
          credentials: {
            ...config.credentials,
            rotationDays: 30,
            secretNames: { postgres: "team/pg" },
            vpc: { subnetIds: ["subnet-0a", "subnet-0b"], securityGroupIds: ["sg-0f"], vpcId: "vpc-0c" },
          },
        }),
      ),
    );
    expect(resources(custom, "aws_secretsmanager_secret").map((s) => s.name).sort()).to.deep.equal(["avesa/clickhouse/dev", "team/pg"]);
    expect(resources(custom, "aws_secretsmanager_secret_rotation")[0].rotation_rules.automatically_after_days).to.equal(30);
    const [endpoint] = resources(custom, "aws_vpc_endpoint");
    // Private DNS off: other workloads in the VPC keep their route, and a VPC with another private-DNS
    // Secrets Manager endpoint (the Aurora stack's) accepts this one; the function is pointed at it.
    expect(endpoint).to.include({ service_name: "com.amazonaws.eu-west-1.secretsmanager", vpc_endpoint_type: "Interface", private_dns_enabled: false });
    const [ingress] = resources(custom, "aws_vpc_security_group_ingress_rule");
    expect(ingress).to.include({ referenced_security_group_id: "sg-0f", from_port: 443, to_port: 443 });
    const fn = resources(custom, "aws_lambda_function").find((f) => f.function_name === "csp-dev-credentials-secret-rotation")!;
    expect(fn.vpc_config.subnet_ids).to.deep.equal(["subnet-0a", "subnet-0b"]);
    const endpointRef = refOf(custom, "aws_vpc_endpoint", () => true);
    expect(fn.environment.variables.SECRETS_MANAGER_ENDPOINT).to.equal(`\${format("https://%s", ${endpointRef}.dns_entry[0].dns_name)}`);
    const model = new StackModel("credentials-dev", custom as never);
    expect(judgeStack(model, [lambdaFunctionNoSecretsInEnvironment]).filter((f) => f.status === "non-compliant")).to.deep.equal([]);
  });

  it("reads its settings with clear errors: 90 days by default, role ARNs and secret names checked", () => {
    const settings = (credentials: Record<string, unknown>) => ({ ...SETTINGS, dev: { ...SETTINGS.dev, credentials } });
    expect(loadConfig({ environment: "dev", settings: settings({}) }).credentials).to.deep.include({ rotationDays: 90, readerRoleArns: [], secretNames: {} });
    expect(() => loadConfig({ environment: "dev", settings: settings({ readerRoleArns: ["proxy-role"] }) })).to.throw(
      'Invalid setting environments.dev.credentials.readerRoleArns.0: expected an IAM role ARN such as arn:aws:iam::111111111111:role/app, got "proxy-role".',
    );
    expect(() => loadConfig({ environment: "dev", settings: settings({ secretNames: { mysql: "x" } }) })).to.throw("Unknown setting environments.dev.credentials.secretNames.mysql");
  });
});
