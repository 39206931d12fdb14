import { expect } from "chai";
import { Testing } from "cdktf";
import { AuroraIamStack } from "../../../stacks/aurora-iam/aurora-iam-stack";
import { AURORA_WRITER_ENV } from "../../../functions/shared/contracts/aurora-writer";
import { ensureBundles } from "../../support/bundles";
import { only, resources, statements, synth, testConfig, type Resource, type Synthesized } from "../../support/synth";

/** The `${type.name.attr}` reference cdktf writes for a resource found by a property. */
function refTo(out: Synthesized, type: string, match: (r: Resource) => boolean, attribute = "id"): string {
  const entry = Object.entries(out.resource[type] ?? {}).find(([, r]) => match(r));
  if (!entry) throw new Error(`no ${type} matches`);
  return `\${${type}.${entry[0]}.${attribute}}`;
}

function rolePolicy(out: Synthesized, roleName: string): Resource[] {
  const role = refTo(out, "aws_iam_role", (r) => r.name === roleName);
  const policy = resources(out, "aws_iam_role_policy").find((p) => p.role === role);
  if (!policy) throw new Error(`no inline policy on ${roleName}`);
  return statements(policy.policy);
}

describe("aurora-iam stack", () => {
  let out: Synthesized;
  let stack: AuroraIamStack;
  const sg = (name: string) => refTo(out, "aws_security_group", (g) => g.name === `csp-dev-aurora-iam-${name}`);

  before(async function () {
    this.timeout(120000);
    await ensureBundles();
    stack = new AuroraIamStack(Testing.app(), testConfig());
    out = synth(stack);
  });

  it("runs Aurora PostgreSQL 15 with IAM auth, customer-key encryption, deletion protection, backups and log exports", () => {
    const cluster = only(out, "aws_rds_cluster");
    expect(cluster).to.include({
      engine: "aurora-postgresql",
      engine_version: "15.10",
      allow_major_version_upgrade: false,
      iam_database_authentication_enabled: true,
      storage_encrypted: true,
      deletion_protection: true,
      backup_retention_period: 7,
      skip_final_snapshot: false,
      manage_master_user_password: true,
      database_name: "platform",
    });
    expect(cluster.kms_key_id).to.match(/^\$\{aws_kms_key\./);
    expect(cluster.master_user_secret_kms_key_id).to.equal(cluster.kms_key_id);
    expect(cluster.enabled_cloudwatch_logs_exports).to.deep.equal(["postgresql"]);
    const logGroup = resources(out, "aws_cloudwatch_log_group").find((g) => g.name === "/aws/rds/cluster/csp-dev-aurora-iam/postgresql");
    expect(logGroup).to.include({ retention_in_days: 30 });
    expect(logGroup!.kms_key_id).to.match(/^\$\{aws_kms_key\./);
  });

  it("keeps the master password out of Terraform state: RDS generates it into Secrets Manager", () => {
    const cluster = only(out, "aws_rds_cluster");
    expect(cluster).to.not.have.any.keys("master_password", "master_password_wo");
    expect(resources(out, "aws_secretsmanager_secret_version")).to.deep.equal([]);
    expect(out.resource).to.not.have.property("random_password");
    expect(JSON.stringify(out)).to.not.match(/"password"\s*:/i);
  });

  it("forces TLS in the cluster parameter group", () => {
    const group = only(out, "aws_rds_cluster_parameter_group");
    expect(group.family).to.equal("aurora-postgresql15");
    expect(group.parameter).to.deep.include({ name: "rds.force_ssl", value: "1", apply_method: "pending-reboot" });
    expect(only(out, "aws_rds_cluster").db_cluster_parameter_group_name).to.equal(refTo(out, "aws_rds_cluster_parameter_group", () => true, "name"));
  });

  it("keeps every instance private, with Performance Insights encrypted", () => {
    for (const instance of resources(out, "aws_rds_cluster_instance")) {
      expect(instance).to.include({ publicly_accessible: false, performance_insights_enabled: true });
      expect(instance.performance_insights_kms_key_id).to.match(/^\$\{aws_kms_key\./);
    }
  });

  it("requires TLS and IAM on the proxy, which logs in with lambda_writer's secret", () => {
    const proxy = only(out, "aws_db_proxy");
    expect(proxy).to.include({ engine_family: "POSTGRESQL", require_tls: true });
    expect(proxy.auth).to.deep.equal([
      {
        auth_scheme: "SECRETS",
        iam_auth: "REQUIRED",
        secret_arn: refTo(out, "aws_secretsmanager_secret", (s) => s.name === "csp-dev-aurora-iam/lambda_writer", "arn"),
        client_password_auth_type: "POSTGRES_SCRAM_SHA_256",
        description: "lambda_writer: clients with an IAM token, the proxy with the secret",
      },
    ]);
    expect(only(out, "aws_db_proxy_target")).to.include({ target_group_name: "default" });
    // The proxy's role reads that one secret and decrypts only through Secrets Manager.
    const policy = rolePolicy(out, "csp-dev-aurora-iam-proxy");
    expect(policy.map((s) => s.Action)).to.deep.equal(["secretsmanager:GetSecretValue", "kms:Decrypt"]);
    expect(policy[0].Resource).to.equal(proxy.auth[0].secret_arn);
  });

  it("lets the writer connect only as lambda_writer on the proxy's prx- resource id", () => {
    const policy = rolePolicy(out, "csp-dev-aurora-iam-writer");
    const connect = policy.filter((s) => [s.Action].flat().some((a: string) => a.startsWith("rds-db:")));
    expect(connect).to.have.length(1);
    const local = /^arn:aws:rds-db:eu-west-1:111111111111:dbuser:\$\{local\.([\w-]+)\}\/lambda_writer$/.exec(connect[0].Resource);
    expect(local, connect[0].Resource).to.not.equal(null);
    // The local is the proxy ARN's last segment: prx-….
    const proxyArn = refTo(out, "aws_db_proxy", () => true, "arn");
    expect((out as unknown as { locals: Record<string, string> }).locals[local![1]]).to.equal(`\${element(split(":", ${proxyArn.slice(2, -1)}), 6)}`);
    expect(connect[0].Resource).to.not.match(/cluster/);
    const actions = policy.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).to.deep.equal(
      ["ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses", "kms:Decrypt", "logs:CreateLogStream", "logs:PutLogEvents", "rds-db:connect"].sort(),
    );
    const fn = resources(out, "aws_lambda_function").find((f) => f.function_name === "csp-dev-aurora-iam-writer")!;
    expect(fn.vpc_config.security_group_ids).to.deep.equal([sg("writer")]);
    expect(fn.environment.variables).to.include({ [AURORA_WRITER_ENV.DB_PORT]: "5432", [AURORA_WRITER_ENV.DB_USER]: "lambda_writer", [AURORA_WRITER_ENV.DB_NAME]: "platform" });
    expect(fn.environment.variables[AURORA_WRITER_ENV.DB_PROXY_ENDPOINT]).to.equal(refTo(out, "aws_db_proxy", () => true, "endpoint"));
  });

  it("chains security groups on 5432 only: writer -> proxy -> cluster, bootstrap and rotation -> cluster and -> the endpoint on 443", () => {
    const name = (ref: string) => Object.entries(out.resource.aws_security_group).find(([id]) => ref.includes(`.${id}.`))![1].name.replace("csp-dev-aurora-iam-", "");
    const rules = (type: string) =>
      resources(out, type)
        .map((r) => `${name(r.security_group_id)} ${type.includes("ingress") ? "<-" : "->"} ${name(r.referenced_security_group_id)} ${r.ip_protocol}/${r.from_port}-${r.to_port}`)
        .sort();
    expect(rules("aws_vpc_security_group_ingress_rule")).to.deep.equal([
      "cluster <- bootstrap tcp/5432-5432",
      "cluster <- proxy tcp/5432-5432",
      "cluster <- rotation tcp/5432-5432",
      "proxy <- writer tcp/5432-5432",
      "secretsmanager-endpoint <- bootstrap tcp/443-443",
      "secretsmanager-endpoint <- rotation tcp/443-443",
    ]);
    expect(rules("aws_vpc_security_group_egress_rule")).to.deep.equal([
      "bootstrap -> cluster tcp/5432-5432",
      "bootstrap -> secretsmanager-endpoint tcp/443-443",
      "proxy -> cluster tcp/5432-5432",
      "rotation -> cluster tcp/5432-5432",
      "rotation -> secretsmanager-endpoint tcp/443-443",
      "writer -> proxy tcp/5432-5432",
    ]);
    for (const group of resources(out, "aws_security_group")) expect(group).to.not.have.any.keys("ingress", "egress");
    expect(only(out, "aws_default_security_group")).to.deep.include({ ingress: [], egress: [] });
    expect(JSON.stringify(out)).to.not.match(/0\.0\.0\.0\/0|::\/0/);
    expect(only(out, "aws_db_proxy").vpc_security_group_ids).to.deep.equal([sg("proxy")]);
    expect(only(out, "aws_rds_cluster").vpc_security_group_ids).to.deep.equal([sg("cluster")]);
  });

  it("builds private subnets in the configured zones, with a Secrets Manager endpoint limited to this account", () => {
    expect(resources(out, "aws_subnet").map((s) => [s.availability_zone, s.map_public_ip_on_launch])).to.deep.equal([
      ["eu-west-1a", false],
      ["eu-west-1b", false],
    ]);
    expect(resources(out, "aws_internet_gateway")).to.deep.equal([]);
    expect(resources(out, "aws_nat_gateway")).to.deep.equal([]);
    const endpoint = only(out, "aws_vpc_endpoint");
    expect(endpoint).to.include({ service_name: "com.amazonaws.eu-west-1.secretsmanager", vpc_endpoint_type: "Interface", private_dns_enabled: true });
    for (const s of statements(endpoint.policy)) expect(s.Condition).to.deep.equal({ StringEquals: { "aws:PrincipalAccount": "111111111111" } });
  });

  it("admits only the proxy, the bootstrap and the rotation to the writer secret's value, encrypted with the stack's key", () => {
    const secret = resources(out, "aws_secretsmanager_secret").find((s) => s.name === "csp-dev-aurora-iam/lambda_writer")!;
    expect(secret.kms_key_id).to.match(/^\$\{aws_kms_key\./);
    const [deny] = statements(only(out, "aws_secretsmanager_secret_policy").policy);
    expect(deny).to.deep.include({ Effect: "Deny", Principal: "*", Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"] });
    expect(deny.Condition.StringNotEquals["aws:PrincipalArn"]).to.deep.equal([
      refTo(out, "aws_iam_role", (r) => r.name === "csp-dev-aurora-iam-secret-rotation", "arn"),
      refTo(out, "aws_iam_role", (r) => r.name === "csp-dev-aurora-iam-db-bootstrap", "arn"),
      refTo(out, "aws_iam_role", (r) => r.name === "csp-dev-aurora-iam-proxy", "arn"),
    ]);
    expect(stack.writerSecret.rotationAttached).to.equal(true);
  });

  it("rotates lambda_writer's secret single-user with the credentials rotation, in the VPC, reaching the cluster directly", () => {
    const rotation = only(out, "aws_secretsmanager_secret_rotation");
    expect(rotation.secret_id).to.equal(refTo(out, "aws_secretsmanager_secret", (s) => s.name === "csp-dev-aurora-iam/lambda_writer", "id"));
    expect(rotation.rotation_lambda_arn).to.equal(refTo(out, "aws_lambda_function", (f) => f.function_name === "csp-dev-aurora-iam-secret-rotation", "arn"));
    expect(rotation.rotate_immediately).to.equal(false);
    const fn = resources(out, "aws_lambda_function").find((f) => f.function_name === "csp-dev-aurora-iam-secret-rotation")!;
    expect(fn.vpc_config.security_group_ids).to.deep.equal([refTo(out, "aws_security_group", (g) => /rotation/.test(String(g.name)) && !/endpoint/.test(String(g.name)), "id")]);
    // One Secrets Manager endpoint (this stack's), not a second one from the rotation construct.
    expect(resources(out, "aws_vpc_endpoint").filter((e) => /secretsmanager/.test(String(e.service_name)))).to.have.length(1);
  });

  /** `aws_vpc_security_group_<kind>_rule.<name>` of the rules the network's allow(name) creates. */
  const rulesNamed = (description: string) =>
    ["aws_vpc_security_group_egress_rule", "aws_vpc_security_group_ingress_rule"].map((type) => refTo(out, type, (r) => r.description === description).slice(2, -4));
  const endpointRef = () => refTo(out, "aws_vpc_endpoint", () => true).slice(2, -4);

  it("enables the rotation only once its function can reach Secrets Manager (the service runs testSecret when rotation is enabled)", () => {
    const rotation = only(out, "aws_secretsmanager_secret_rotation");
    expect(rotation.depends_on).to.include.members([endpointRef(), ...rulesNamed("rotation-to-secretsmanager")]);
  });

  it("invokes the bootstrap only once its security group rules to the cluster and the endpoint exist", () => {
    const invocation = only(out, "aws_lambda_invocation");
    expect(invocation.depends_on).to.include.members([endpointRef(), ...rulesNamed("bootstrap-to-cluster"), ...rulesNamed("bootstrap-to-secretsmanager")]);
  });

  it("bootstraps the database from Terraform once the cluster has an instance, before the proxy registers it", () => {
    const invocation = only(out, "aws_lambda_invocation");
    expect(invocation.function_name).to.equal(refTo(out, "aws_lambda_function", (f) => f.function_name === "csp-dev-aurora-iam-db-bootstrap", "function_name"));
    expect(invocation.depends_on).to.include(refTo(out, "aws_rds_cluster_instance", () => true, "id").slice(2, -4));
    expect(Object.keys(invocation.triggers).sort()).to.deep.equal(["cluster", "code"]);
    expect(only(out, "aws_db_proxy_target").depends_on).to.deep.equal([refTo(out, "aws_lambda_invocation", () => true).slice(2, -4)]);
    const policy = rolePolicy(out, "csp-dev-aurora-iam-db-bootstrap");
    expect(policy.find((s) => s.Sid === "ReadMasterSecret")!.Resource).to.match(/aws_rds_cluster\.\w+\.master_user_secret\[0\]\.secret_arn/);
    expect(policy.find((s) => s.Sid === "SetWriterSecret")!.Action).to.deep.equal(["secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue"]);
  });

  it("alarms on writer crashes and on failed writes, which the writer answers rather than throws", () => {
    const alarms = resources(out, "aws_cloudwatch_metric_alarm").map((a) => [a.alarm_name, a.namespace, a.metric_name, a.dimensions]);
    expect(alarms).to.deep.equal([
      ["csp-dev-aurora-iam-secret-rotation-errors", "AWS/Lambda", "Errors", { FunctionName: "csp-dev-aurora-iam-secret-rotation" }],
      ["csp-dev-aurora-iam-writer-errors", "AWS/Lambda", "Errors", { FunctionName: "csp-dev-aurora-iam-writer" }],
      ["csp-dev-aurora-iam-writer-failed-writes", "Platform/AuroraIam", "WriteFailed", { service: "aurora-writer" }],
    ]);
  });

  it("encrypts every function's environment with the stack's key", () => {
    const key = refTo(out, "aws_kms_key", () => true, "arn");
    expect(resources(out, "aws_lambda_function").map((f) => [f.function_name, f.kms_key_arn])).to.deep.equal([
      ["csp-dev-aurora-iam-db-bootstrap", key],
      ["csp-dev-aurora-iam-secret-rotation", key],
      ["csp-dev-aurora-iam-writer", key],
    ]);
  });

  it("outputs the proxy endpoint, the function names and the secret ARNs", () => {
    expect(Object.keys(out.output ?? {}).sort()).to.include.members(["bootstrapFunctionName", "clusterEndpoint", "masterSecretArn", "proxyEndpoint", "writerFunctionName", "writerSecretArn"]);
  });

  it("uses an existing VPC and its subnets when the settings name one", () => {
    const base = testConfig();
    const existing = synth(
      new AuroraIamStack(Testing.app(), { ...base, auroraIam: { ...base.auroraIam, vpc: undefined, existingVpc: { vpcId: "vpc-0abc", subnetIds: ["subnet-0a", "subnet-0b"] } } }),
    );
    expect(resources(existing, "aws_vpc")).to.deep.equal([]);
    expect(resources(existing, "aws_subnet")).to.deep.equal([]);
    expect(only(existing, "aws_db_subnet_group").subnet_ids).to.deep.equal(["subnet-0a", "subnet-0b"]);
    for (const g of resources(existing, "aws_security_group")) expect(g.vpc_id).to.equal("vpc-0abc");
  });
});
