import type { Construct } from "constructs";
import { dependable, TerraformOutput } from "cdktf";
import { WRITER_DB_USER } from "../../functions/shared/contracts/aurora-writer";
import type { AppConfig } from "../config";
import { PlatformStack } from "../platform-stack";
import { SecretRotation } from "../constructs/secret-rotation";
import { AuroraNetwork } from "./network";
import { AuroraCluster } from "./cluster";
import { WriterSecret } from "./writer-secret";
import { DatabaseBootstrap } from "./database-bootstrap";
import { WriterProxy } from "./proxy";
import { WriterFunction } from "./writer-function";

/**
 * Aurora PostgreSQL with IAM authentication through RDS Proxy: Lambda (IAM token for lambda_writer)
 * -> RDS Proxy (TLS and IAM required; logs in with lambda_writer's secret) -> Aurora (IAM auth on,
 * rds.force_ssl = 1). A bootstrap function applies the repository's migrations. docs/aurora-iam.md.
 */
export class AuroraIamStack extends PlatformStack {
  readonly network: AuroraNetwork;
  readonly database: AuroraCluster;
  readonly writerSecret: WriterSecret;
  readonly bootstrap: DatabaseBootstrap;
  readonly proxy: WriterProxy;
  readonly writer: WriterFunction;

  constructor(scope: Construct, config: AppConfig) {
    super(scope, "aurora-iam", config);
    const { accountId, region, logRetentionDays, auroraIam: settings } = config;
    const common = { accountId, region, kmsKey: this.kmsKey, logRetentionDays };

    this.network = new AuroraNetwork(this, "network", { prefix: this.prefix, region, accountId, vpc: settings.vpc, existingVpc: settings.existingVpc });
    this.database = new AuroraCluster(this, "database", {
      ...settings,
      identifier: this.prefix,
      subnetIds: this.network.subnetIds,
      securityGroupId: this.network.clusterSecurityGroup.id,
      kmsKey: this.kmsKey,
      logRetentionDays,
    });
    this.writerSecret = new WriterSecret(this, "writer-secret", { name: `${this.prefix}/${WRITER_DB_USER}`, kmsKey: this.kmsKey });
    // lambda_writer rotates single-user with the credentials subsystem's rotation (the proxy maps the
    // IAM user to the secret of the same user name). It reaches the cluster directly on 5432 and
    // Secrets Manager through this stack's endpoint (so no second endpoint: vpcId is not passed).
    const rotation = new SecretRotation(this, "writer-rotation", {
      functionName: `${this.prefix}-secret-rotation`,
      accountId,
      region,
      kmsKey: this.kmsKey,
      alarmTopic: this.alarmTopic,
      logRetentionDays,
      vpc: { subnetIds: this.network.subnetIds, securityGroupIds: [this.network.rotationSecurityGroup.id] },
    });
    const schedule = rotation.rotateExisting("lambda-writer", { secretId: this.writerSecret.secret.id, secretArn: this.writerSecret.arn, rotationDays: config.credentials.rotationDays });
    // Enabling rotation runs testSecret at once: the function must already reach Secrets Manager.
    schedule.dependsOn = [...(schedule.dependsOn ?? []), ...this.network.rotationPaths.map(dependable)];
    this.writerSecret.attachRotation({ roleArn: rotation.function.role.arn });
    this.bootstrap = new DatabaseBootstrap(this, "bootstrap", {
      ...common,
      functionName: `${this.prefix}-db-bootstrap`,
      network: this.network,
      cluster: this.database,
      databaseName: settings.databaseName,
      writerSecret: this.writerSecret,
    });
    this.proxy = new WriterProxy(this, "proxy", {
      name: this.prefix,
      region,
      accountId,
      subnetIds: this.network.subnetIds,
      securityGroupId: this.network.proxySecurityGroup.id,
      secret: this.writerSecret,
      kmsKey: this.kmsKey,
      clusterIdentifier: this.database.cluster.clusterIdentifier,
      logRetentionDays,
      // The proxy can log in only once the bootstrap has given the secret its first value.
      targetDependsOn: [this.bootstrap.invocation],
    });
    this.writer = new WriterFunction(this, "writer", {
      ...common,
      functionName: `${this.prefix}-writer`,
      network: this.network,
      proxy: this.proxy,
      databaseName: settings.databaseName,
      reservedConcurrency: settings.writerReservedConcurrency,
      alarmTopic: this.alarmTopic,
    });

    const output = (name: string, value: string, description: string) => new TerraformOutput(this, name, { value, description });
    output("proxyEndpoint", this.proxy.endpoint, "RDS Proxy endpoint: the writer connects and signs its IAM tokens for this host, port 5432");
    output("writerFunctionName", this.writer.fn.functionName, "The writer function (invoke with a WriteEvent, see functions/shared/contracts/aurora-writer.ts)");
    output("bootstrapFunctionName", this.bootstrap.fn.functionName, "The bootstrap function: `db-bootstrap invoke --function-name <this>`");
    output("writerSecretArn", this.writerSecret.arn, "lambda_writer's secret (the proxy's login; set by the bootstrap, then rotated)");
    output("masterSecretArn", this.database.masterSecretArn, "The RDS-managed master user secret");
    output("clusterEndpoint", this.database.cluster.endpoint, "The cluster's writer endpoint (bootstrap and rotation only; applications use the proxy)");
  }
}
