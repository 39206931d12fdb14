import { Construct } from "constructs";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { DB_BOOTSTRAP_ENV } from "../../functions/shared/contracts/db-bootstrap";
import { NodeFunction } from "../constructs/node-function";
import type { AuroraCluster } from "./cluster";
import type { AuroraFunctionProps } from "./network";
import type { WriterSecret } from "./writer-secret";

export interface DatabaseBootstrapProps extends AuroraFunctionProps {
  readonly cluster: AuroraCluster;
  readonly databaseName: string;
  readonly writerSecret: WriterSecret;
}

/**
 * The bootstrap function (functions/db-bootstrap) in the VPC, and its invocation by Terraform once
 * the cluster has instances: migrations, then lambda_writer's first password in PostgreSQL and in
 * its secret. Invoked again whenever the bundle (and so the migrations) or the cluster changes. A
 * failed bootstrap fails `terraform apply`.
 */
export class DatabaseBootstrap extends Construct {
  readonly fn: NodeFunction;
  readonly invocation: LambdaInvocation;

  constructor(scope: Construct, id: string, props: DatabaseBootstrapProps) {
    super(scope, id);
    const { cluster, network, writerSecret, kmsKey, region } = props;
    this.fn = new NodeFunction(this, "function", {
      entry: "db-bootstrap",
      functionName: props.functionName,
      description: "Applies the Aurora IAM migrations and sets lambda_writer's first password",
      accountId: props.accountId,
      region,
      kmsKey,
      logRetentionDays: props.logRetentionDays,
      timeoutSeconds: 300,
      memorySize: 256,
      vpc: { subnetIds: network.subnetIds, securityGroupIds: [network.bootstrapSecurityGroup.id] },
      environment: {
        [DB_BOOTSTRAP_ENV.MASTER_SECRET_ARN]: cluster.masterSecretArn,
        [DB_BOOTSTRAP_ENV.WRITER_SECRET_ARN]: writerSecret.arn,
        [DB_BOOTSTRAP_ENV.DB_HOST]: cluster.cluster.endpoint,
        [DB_BOOTSTRAP_ENV.DB_PORT]: "5432",
        [DB_BOOTSTRAP_ENV.DB_NAME]: props.databaseName,
        POWERTOOLS_SERVICE_NAME: "db-bootstrap",
      },
      // No failure destination: only Terraform and the CLI invoke it, synchronously.
    });
    // Its environment (secret ARNs, the cluster endpoint) encrypted at rest with the stack's key.
    this.fn.function.kmsKeyArn = kmsKey.arn;
    this.fn.addToRolePolicy({ Sid: "ReadMasterSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: cluster.masterSecretArn });
    this.fn.addToRolePolicy({ Sid: "SetWriterSecret", Effect: "Allow", Action: ["secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue"], Resource: writerSecret.arn });
    this.fn.addToRolePolicy({
      Sid: "UseKeyThroughSecretsManager",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: kmsKey.arn,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
    });
    writerSecret.allowValueAccess(this.fn.role.arn);

    this.invocation = new LambdaInvocation(this, "run", {
      functionName: this.fn.function.functionName,
      input: JSON.stringify({}),
      triggers: { code: this.fn.function.sourceCodeHash, cluster: cluster.cluster.clusterResourceId },
      // The function reaches the cluster only once an instance is up and its security group rules exist,
      // and Secrets Manager through the endpoint (rules are separate resources: nothing else orders them first).
      dependsOn: [...cluster.instances, ...network.bootstrapPaths],
    });
  }
}
