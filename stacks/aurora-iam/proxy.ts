import { Construct } from "constructs";
import { Fn, TerraformLocal, type ITerraformDependable } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbProxy } from "@cdktf/provider-aws/lib/db-proxy";
import { DbProxyDefaultTargetGroup } from "@cdktf/provider-aws/lib/db-proxy-default-target-group";
import { DbProxyTarget } from "@cdktf/provider-aws/lib/db-proxy-target";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { policyDocument, serviceTrustPolicy } from "../constructs/policy-document";
import type { SecureKmsKey } from "../constructs/kms-key";
import type { WriterSecret } from "./writer-secret";

export interface WriterProxyProps {
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
  /** The secret the proxy logs in to the database with (the same user name as the IAM user). */
  readonly secret: WriterSecret;
  /** The key the secret is encrypted with. */
  readonly kmsKey: SecureKmsKey;
  readonly clusterIdentifier: string;
  readonly logRetentionDays: number;
  /** Registering the cluster waits for these (the bootstrap that gives the secret its first value). */
  readonly targetDependsOn?: ITerraformDependable[];
}

/**
 * RDS Proxy in front of the cluster: clients must use TLS and an IAM token (`iam_auth = REQUIRED`);
 * the proxy logs in to the database with lambda_writer's secret. Provider 5.100.0 cannot configure
 * end-to-end IAM (`default_auth_scheme`, provider >= 6.15), see docs/aurora-iam.md. Its role reads
 * that one secret and nothing else.
 */
export class WriterProxy extends Construct {
  readonly proxy: DbProxy;
  readonly role: IamRole;
  readonly endpoint: string;
  /**
   * The proxy's resource id `prx-…`, the last segment of its ARN (`arn:aws:rds:<region>:<account>:db-proxy:prx-…`).
   * `rds-db:connect` through a proxy must name this id; the cluster's `cluster-…` id does not authorize it.
   */
  readonly resourceId: string;
  private readonly props: WriterProxyProps;

  constructor(scope: Construct, id: string, props: WriterProxyProps) {
    super(scope, id);
    this.props = props;
    this.role = new IamRole(this, "role", {
      name: `${props.name}-proxy`,
      description: `RDS Proxy ${props.name}: reads lambda_writer's secret`,
      assumeRolePolicy: serviceTrustPolicy("rds.amazonaws.com", props.accountId),
    });
    new IamRolePolicy(this, "role-policy", {
      name: "read-writer-secret",
      role: this.role.id,
      policy: policyDocument([
        { Sid: "ReadWriterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: props.secret.arn },
        {
          Sid: "DecryptWriterSecret",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: props.kmsKey.arn,
          Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${props.region}.amazonaws.com` } },
        },
      ]),
    });
    props.secret.allowValueAccess(this.role.arn);

    const logGroupName = `/aws/rds/proxy/${props.name}`;
    props.kmsKey.allowCloudWatchLogs(logGroupName);
    const logGroup = new CloudwatchLogGroup(this, "logs", { name: logGroupName, retentionInDays: props.logRetentionDays, kmsKeyId: props.kmsKey.arn });

    this.proxy = new DbProxy(this, "this", {
      name: props.name,
      engineFamily: "POSTGRESQL",
      requireTls: true,
      idleClientTimeout: 1800,
      debugLogging: false,
      roleArn: this.role.arn,
      vpcSubnetIds: [...props.subnetIds],
      vpcSecurityGroupIds: [props.securityGroupId],
      auth: [
        {
          authScheme: "SECRETS",
          iamAuth: "REQUIRED",
          secretArn: props.secret.arn,
          clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256",
          description: "lambda_writer: clients with an IAM token, the proxy with the secret",
        },
      ],
      dependsOn: [logGroup],
    });
    this.endpoint = this.proxy.endpoint;
    // A local, so policies that embed it read `${local.…}` instead of an expression with quotes inside their JSON.
    this.resourceId = new TerraformLocal(this, "resource-id", Fn.element(Fn.split(":", this.proxy.arn), 6)).asString;

    new DbProxyDefaultTargetGroup(this, "target-group", {
      dbProxyName: this.proxy.name,
      connectionPoolConfig: { maxConnectionsPercent: 50, maxIdleConnectionsPercent: 10, connectionBorrowTimeout: 30 },
    });
    new DbProxyTarget(this, "target", {
      dbProxyName: this.proxy.name,
      targetGroupName: "default",
      dbClusterIdentifier: props.clusterIdentifier,
      dependsOn: props.targetDependsOn,
    });
  }

  /** `arn:aws:rds-db:<region>:<account>:dbuser:prx-…/<user>`: what `rds-db:connect` through this proxy needs. */
  connectResourceArn(dbUser: string): string {
    return `arn:aws:rds-db:${this.props.region}:${this.props.accountId}:dbuser:${this.resourceId}/${dbUser}`;
  }
}
