import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { RdsClusterParameterGroup } from "@cdktf/provider-aws/lib/rds-cluster-parameter-group";
import type { SecureKmsKey } from "../constructs/kms-key";
import { POSTGRES_PORT } from "./network";

/** Aurora's master user; its password is generated and kept by RDS in Secrets Manager. */
export const MASTER_USERNAME = "platform_admin";

export interface AuroraClusterProps {
  /** The cluster identifier; instances are `<identifier>-1`, `-2` … */
  readonly identifier: string;
  readonly databaseName: string;
  /** An Aurora PostgreSQL 15 version, e.g. 15.10. */
  readonly engineVersion: string;
  readonly instanceClass: string;
  readonly instances: number;
  readonly backupRetentionDays: number;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
  /** Encrypts storage, the master secret, Performance Insights and the exported logs. */
  readonly kmsKey: SecureKmsKey;
  readonly logRetentionDays: number;
}

/**
 * Aurora PostgreSQL 15 with IAM database authentication, storage encrypted with the stack's key,
 * deletion protection, backups, a master password RDS generates and keeps in Secrets Manager (never
 * in Terraform state), PostgreSQL logs exported to an encrypted log group, Performance Insights
 * encrypted, TLS forced by the cluster parameter group, and no public access.
 */
export class AuroraCluster extends Construct {
  readonly cluster: RdsCluster;
  readonly instances: RdsClusterInstance[];
  readonly parameterGroup: RdsClusterParameterGroup;
  /** The RDS-managed secret holding the master user's name and password. */
  readonly masterSecretArn: string;

  constructor(scope: Construct, id: string, props: AuroraClusterProps) {
    super(scope, id);
    const major = props.engineVersion.split(".")[0];

    // RDS creates this log group on first export, unencrypted and kept forever, unless it exists first.
    const logGroupName = `/aws/rds/cluster/${props.identifier}/postgresql`;
    props.kmsKey.allowCloudWatchLogs(logGroupName);
    const logGroup = new CloudwatchLogGroup(this, "postgresql-logs", { name: logGroupName, retentionInDays: props.logRetentionDays, kmsKeyId: props.kmsKey.arn });

    const subnetGroup = new DbSubnetGroup(this, "subnets", { name: props.identifier, description: `Private subnets of ${props.identifier}`, subnetIds: [...props.subnetIds] });

    this.parameterGroup = new RdsClusterParameterGroup(this, "parameters", {
      name: `${props.identifier}-pg${major}`,
      family: `aurora-postgresql${major}`,
      description: `TLS-only Aurora PostgreSQL ${major} for ${props.identifier}`,
      parameter: [
        // Aurora PostgreSQL defaults to 0: plain-text connections would be accepted.
        { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
        { name: "ssl_min_protocol_version", value: "TLSv1.2", applyMethod: "pending-reboot" },
        { name: "password_encryption", value: "scram-sha-256", applyMethod: "pending-reboot" },
        { name: "log_connections", value: "1", applyMethod: "pending-reboot" },
        { name: "log_disconnections", value: "1", applyMethod: "pending-reboot" },
      ],
    });

    this.cluster = new RdsCluster(this, "this", {
      clusterIdentifier: props.identifier,
      engine: "aurora-postgresql",
      engineVersion: props.engineVersion,
      allowMajorVersionUpgrade: false,
      databaseName: props.databaseName,
      port: POSTGRES_PORT,
      masterUsername: MASTER_USERNAME,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKey.arn,
      iamDatabaseAuthenticationEnabled: true,
      storageEncrypted: true,
      kmsKeyId: props.kmsKey.arn,
      deletionProtection: true,
      backupRetentionPeriod: props.backupRetentionDays,
      preferredBackupWindow: "02:00-03:00",
      preferredMaintenanceWindow: "sun:04:00-sun:05:00",
      copyTagsToSnapshot: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${props.identifier}-final`,
      enabledCloudwatchLogsExports: ["postgresql"],
      dbClusterParameterGroupName: this.parameterGroup.name,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [props.securityGroupId],
      dependsOn: [logGroup],
      // Settings pin the version a cluster is created with; AWS applies minor upgrades (instances
      // have auto minor version upgrade on) and Terraform must not try to downgrade afterwards.
      lifecycle: { ignoreChanges: ["engine_version"] },
    });
    this.masterSecretArn = this.cluster.masterUserSecret.get(0).secretArn;

    this.instances = Array.from(
      { length: props.instances },
      (_, i) =>
        new RdsClusterInstance(this, `instance-${i + 1}`, {
          identifier: `${props.identifier}-${i + 1}`,
          clusterIdentifier: this.cluster.id,
          engine: "aurora-postgresql",
          instanceClass: props.instanceClass,
          dbSubnetGroupName: subnetGroup.name,
          publiclyAccessible: false,
          autoMinorVersionUpgrade: true,
          performanceInsightsEnabled: true,
          performanceInsightsKmsKeyId: props.kmsKey.arn,
          performanceInsightsRetentionPeriod: 7,
          caCertIdentifier: "rds-ca-rsa2048-g1",
          copyTagsToSnapshot: true,
          promotionTier: i,
        }),
    );
  }
}
