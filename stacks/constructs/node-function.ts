import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Construct } from "constructs";
import { AssetType, Lazy, TerraformAsset } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./policy-document";
import type { SecureKmsKey } from "./kms-key";

/** Where `npm run bundle` writes the zips (see scripts/bundle.ts). */
export const BUNDLE_DIR = resolve(__dirname, "..", "..", "dist", "functions");

/** Something a function can send failed asynchronous invocations to (e.g. an encrypted SNS topic). */
export interface FailureDestination {
  readonly arn: string;
  /** Adds to the function's role what sending needs (publish, and the topic key's data-key calls). */
  grantPublish(fn: NodeFunction): void;
}

export interface NodeFunctionProps {
  /** The folder under functions/ whose handler.ts was bundled to dist/functions/<entry>.zip. */
  readonly entry: string;
  /** The deployed function name (also names the role and the log group). */
  readonly functionName: string;
  readonly description: string;
  readonly accountId: string;
  readonly region: string;
  /** Encrypts the log group and the environment variables. */
  readonly kmsKey: SecureKmsKey;
  readonly logRetentionDays: number;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** @default 256 */
  readonly memorySize?: number;
  readonly environment?: Readonly<Record<string, string>>;
  /** Async invocations that still fail after Lambda's retries go here. */
  readonly onFailure?: FailureDestination;
  readonly vpc?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] };
  /** Caps concurrent executions. @default no reservation */
  readonly reservedConcurrency?: number;
  /** @default dist/functions */
  readonly bundleDir?: string;
}

/**
 * A Lambda function from an esbuild zip, secure by default: nodejs22.x on arm64, explicit timeout
 * and memory, a log group with retention and KMS created before the function (otherwise Lambda
 * creates an unencrypted one that never expires on first invocation), and a role that holds only
 * writing its own logs plus what grant methods add.
 */
export class NodeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly functionName: string;
  readonly arn: string;
  /** The region the function runs in. */
  readonly region: string;
  private readonly statements: PolicyStatement[] = [];
  private readonly env: Record<string, string>;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const zipPath = join(props.bundleDir ?? BUNDLE_DIR, `${props.entry}.zip`);
    if (!existsSync(zipPath)) {
      throw new Error(`Bundle ${zipPath} is missing: run \`npm run bundle\` before synth (functions/${props.entry}/handler.ts).`);
    }
    const zipHash = createHash("sha256").update(readFileSync(zipPath)).digest("base64");
    this.functionName = props.functionName;
    this.region = props.region;
    this.env = { ...(props.environment ?? {}) };
    const partition = "aws";
    const logGroupName = `/aws/lambda/${props.functionName}`;

    props.kmsKey.allowCloudWatchLogs(logGroupName);
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKey.arn,
    });

    this.role = new IamRole(this, "role", {
      name: props.functionName,
      description: `Execution role of ${props.functionName}`,
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", props.accountId),
      maxSessionDuration: 3600,
    });
    this.statements.push({
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `arn:${partition}:logs:${props.region}:${props.accountId}:log-group:${logGroupName}:*`,
    });
    // Lambda decrypts the environment (encrypted with the stack key below) with the execution role's permissions.
    this.statements.push({
      Sid: "DecryptOwnEnvironment",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: props.kmsKey.arn,
      Condition: { StringEquals: { "kms:ViaService": `lambda.${props.region}.amazonaws.com` } },
    });
    if (props.vpc) {
      // Lambda needs these to attach ENIs; they do not support resource-level scoping for Create/Describe.
      this.statements.push({
        Sid: "ManageVpcNetworkInterfaces",
        Effect: "Allow",
        Action: ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
        Resource: "*",
      });
    }
    const rolePolicy = new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
    });

    const asset = new TerraformAsset(this, "code", { path: zipPath, type: AssetType.FILE });
    this.function = new LambdaFunction(this, "this", {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: zipHash,
      timeout: props.timeoutSeconds ?? 30,
      memorySize: props.memorySize ?? 256,
      reservedConcurrentExecutions: props.reservedConcurrency,
      loggingConfig: { logFormat: "JSON", logGroup: logGroupName, applicationLogLevel: "INFO", systemLogLevel: "WARN" },
      // The environment is encrypted with the stack's key, not Lambda's AWS-managed one.
      kmsKeyArn: props.kmsKey.arn,
      environment: {
        variables: Lazy.anyValue({ produce: () => ({ NODE_OPTIONS: "--enable-source-maps", ...this.env }) }) as unknown as Record<string, string>,
      },
      vpcConfig: props.vpc ? { subnetIds: [...props.vpc.subnetIds], securityGroupIds: [...props.vpc.securityGroupIds] } : undefined,
      // The log group and the role's permissions must exist before the first invocation.
      dependsOn: [this.logGroup, rolePolicy],
    });
    this.arn = this.function.arn;

    if (props.onFailure) {
      props.onFailure.grantPublish(this);
      new LambdaFunctionEventInvokeConfig(this, "async", {
        functionName: this.function.functionName,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 3600,
        destinationConfig: { onFailure: { destination: props.onFailure.arn } },
      });
    }
  }

  /** Adds a statement to the function's own inline policy. Prefer the grant methods of the resource being used. */
  addToRolePolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }

  addEnvironment(name: string, value: string): void {
    if (name in this.env && this.env[name] !== value) throw new Error(`Environment variable ${name} of ${this.functionName} is set twice with different values.`);
    this.env[name] = value;
  }
}
