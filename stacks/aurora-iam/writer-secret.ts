import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { policyDocument } from "../constructs/policy-document";
import type { SecureKmsKey } from "../constructs/kms-key";

/** What the writer secret needs from a rotation: the role its rotation function runs as. */
export interface WriterSecretRotation {
  /** The rotation function's execution role; admitted to the secret's value by the resource policy. */
  readonly roleArn: string;
}

export interface WriterSecretProps {
  /** The secret's name, e.g. `<prefix>/lambda_writer`. */
  readonly name: string;
  readonly kmsKey: SecureKmsKey;
  /** @default 30 */
  readonly recoveryWindowInDays?: number;
}

/**
 * Calls that read or change the secret's value: denied to every principal not admitted. Not
 * RotateSecret: the deployer calls it to configure the rotation schedule, and it reveals nothing.
 */
const VALUE_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"];

/**
 * lambda_writer's password, which RDS Proxy logs in with (the proxy maps the IAM user to the secret
 * of the same user name). Encrypted with the stack's key; no value in Terraform: the bootstrap sets
 * the first password in PostgreSQL and here, the rotation every later one. The resource policy
 * denies reading or writing the value to everyone but the principals admitted with
 * {@link allowValueAccess}: the proxy's role, the bootstrap function and the rotation.
 */
export class WriterSecret extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly arn: string;
  private readonly admitted: string[] = [];
  private rotationRoleArn?: string;

  constructor(scope: Construct, id: string, props: WriterSecretProps) {
    super(scope, id);
    this.secret = new SecretsmanagerSecret(this, "this", {
      name: props.name,
      description: "lambda_writer's PostgreSQL password, used by RDS Proxy; set by the bootstrap, then rotated",
      kmsKeyId: props.kmsKey.arn,
      recoveryWindowInDays: props.recoveryWindowInDays ?? 30,
    });
    this.arn = this.secret.arn;
    new SecretsmanagerSecretPolicy(this, "policy", {
      secretArn: this.secret.arn,
      blockPublicPolicy: true,
      policy: Lazy.stringValue({
        produce: () =>
          policyDocument([
            {
              Sid: "OnlyAdmittedPrincipalsTouchTheValue",
              Effect: "Deny",
              Principal: "*",
              Action: VALUE_ACTIONS,
              Resource: "*",
              Condition: { StringNotEquals: { "aws:PrincipalArn": [...this.admitted] } },
            },
          ]),
      }),
    });
  }

  /** Admits a role to the secret's value in the resource policy; its own IAM policy must still allow the calls. */
  allowValueAccess(roleArn: string): void {
    if (!this.admitted.includes(roleArn)) this.admitted.push(roleArn);
  }

  /**
   * Admits the credentials subsystem's single-user rotation (its role) to the value; the stack
   * schedules it with `SecretRotation.rotateExisting`. It runs in `AuroraNetwork.rotationSecurityGroup`
   * and reaches the cluster directly, as the bootstrap does.
   */
  attachRotation(rotation: WriterSecretRotation): void {
    if (this.rotationRoleArn) throw new Error("The writer secret already has a rotation attached.");
    this.rotationRoleArn = rotation.roleArn;
    this.allowValueAccess(rotation.roleArn);
  }

  /** Whether a rotation has been attached (the stack tests and the docs report it). */
  get rotationAttached(): boolean {
    return this.rotationRoleArn !== undefined;
  }
}
