import { Construct } from "constructs";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import type { SecureKmsKey } from "./kms-key";
import type { NodeFunction } from "./node-function";

export interface SecureSecretProps {
  readonly name: string;
  readonly description: string;
  /** Encrypts the secret (a customer-managed key, never the AWS-managed one). */
  readonly kmsKey: SecureKmsKey;
  readonly region: string;
  /** @default 30 */
  readonly recoveryWindowInDays?: number;
}

/**
 * A Secrets Manager secret encrypted with a customer-managed key. Its value is put in out of band
 * (so it never enters Terraform state). `grantRead` gives a function the read and the decrypt it
 * needs and sets the environment variable naming the secret, in one call.
 */
export class SecureSecret extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly arn: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: SecureSecretProps,
  ) {
    super(scope, id);
    // "Default" keeps the resource's logical id the construct's id (construct ids are public API).
    this.secret = new SecretsmanagerSecret(this, "Default", {
      name: props.name,
      description: props.description,
      kmsKeyId: props.kmsKey.arn,
      recoveryWindowInDays: props.recoveryWindowInDays ?? 30,
    });
    this.arn = this.secret.arn;
  }

  /**
   * Lets `fn` read the secret's value (GetSecretValue on this secret, kms:Decrypt only through
   * Secrets Manager) and sets `envName` to the secret's ARN. `sid` names the two statements.
   */
  grantRead(fn: NodeFunction, envName: string, sid = "Secret"): void {
    fn.addToRolePolicy({ Sid: `Read${sid}`, Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: this.arn });
    fn.addToRolePolicy({
      Sid: `Decrypt${sid}`,
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: this.props.kmsKey.arn,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${this.props.region}.amazonaws.com` } },
    });
    fn.addEnvironment(envName, this.arn);
  }
}
