import { expect } from "chai";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AlarmTopic } from "../../../stacks/constructs/alarm";
import { SecureKmsKey } from "../../../stacks/constructs/kms-key";
import { SecretRotation } from "../../../stacks/constructs/secret-rotation";
import { serviceTrustPolicy } from "../../../stacks/constructs/policy-document";
import { fakeBundleDir, resources, statements, synthScope, type Synthesized } from "../../support/synth";

/** The way another stack (Aurora: its proxy's lambda_writer secret) uses the construct. */
describe("SecretRotation construct (as another stack instantiates it)", () => {
  let out: Synthesized;
  before(() => {
    out = synthScope((scope) => {
      const kmsKey = new SecureKmsKey(scope, "key", { description: "d", alias: "aurora", accountId: "111111111111", region: "eu-west-1" });
      const alarmTopic = new AlarmTopic(scope, "alarms", { name: "aurora-alarms", accountId: "111111111111", kmsKey });
      const proxyRole = new IamRole(scope, "proxy-role", { name: "proxy", assumeRolePolicy: serviceTrustPolicy("rds.amazonaws.com") });
      const rotation = new SecretRotation(scope, "rotation", {
        functionName: "csp-dev-aurora-secret-rotation",
        accountId: "111111111111",
        region: "eu-west-1",
        kmsKey,
        alarmTopic,
        logRetentionDays: 30,
        vpc: { subnetIds: ["subnet-0a", "subnet-0b"], securityGroupIds: ["sg-0rot"], vpcId: "vpc-0a" },
        bundleDir: fakeBundleDir("secret-rotation"),
      });
      rotation.addSecret("lambda-writer", {
        name: "avesa/aurora/dev/lambda_writer",
        description: "lambda_writer, as the RDS Proxy maps it (single user)",
        engine: "postgres",
        readerRoleArns: [proxyRole.arn],
      });
    });
  });

  it("creates the secret under the customer key, rotating every 90 days by default, with no value", () => {
    const [secret] = resources(out, "aws_secretsmanager_secret");
    expect(secret).to.include({ name: "avesa/aurora/dev/lambda_writer", recovery_window_in_days: 30 });
    expect(secret.kms_key_id).to.match(/aws_kms_key\.key/);
    expect(resources(out, "aws_secretsmanager_secret_version")).to.have.length(0);
    const [rotation] = resources(out, "aws_secretsmanager_secret_rotation");
    expect(rotation.rotation_rules.automatically_after_days).to.equal(90);
    expect(rotation.depends_on).to.have.length(1);
    expect(rotation.depends_on[0]).to.match(/^aws_lambda_permission\.rotation_invoke/);
  });

  it("lets the proxy's role read the value and nobody else but the rotation function", () => {
    const [policy] = resources(out, "aws_secretsmanager_secret_policy");
    const [deny, allow] = statements(policy.policy);
    expect(deny.Condition.StringNotEquals["aws:PrincipalArn"]).to.have.length(2);
    expect(allow.Principal.AWS).to.deep.equal(["${aws_iam_role.proxy-role.arn}"]);
    expect(allow.Action).to.deep.equal(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
  });

  it("pins the Secrets Manager invoke permission to the account", () => {
    const [permission] = resources(out, "aws_lambda_permission");
    expect(permission).to.include({ principal: "secretsmanager.amazonaws.com", source_account: "111111111111", action: "lambda:InvokeFunction" });
  });

  it("runs in the VPC and reaches Secrets Manager through an interface endpoint limited to its secrets", () => {
    const [fn] = resources(out, "aws_lambda_function");
    expect(fn.vpc_config.security_group_ids).to.deep.equal(["sg-0rot"]);
    const [endpoint] = resources(out, "aws_vpc_endpoint");
    const [own] = statements(endpoint.policy);
    expect(own.Resource).to.have.length(1);
    expect(own.Resource[0]).to.match(/aws_secretsmanager_secret\.rotation_lambda-writer/);
    for (const sg of resources(out, "aws_security_group")) expect(sg.ingress ?? []).to.deep.equal([]);
  });
});
