import { Construct } from "constructs";
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { AppConfig } from "./config";
import { SecureKmsKey } from "./constructs/kms-key";
import { AlarmTopic } from "./constructs/alarm";

/** Dummy keys for offline planning: never valid in AWS, so an offline synth can never deploy. */
const OFFLINE_CREDENTIALS = { accessKey: "AKIAOFFLINEPLANONLY00", secretKey: "offline-plan-only-not-a-real-secret" };

/**
 * What every subsystem stack has: the AWS provider for the environment (default tags, the allowed
 * account), state backend, the stack's customer-managed KMS key and its alarm topic.
 */
export abstract class PlatformStack extends TerraformStack {
  readonly config: AppConfig;
  readonly kmsKey: SecureKmsKey;
  readonly alarmTopic: AlarmTopic;
  /** `<namePrefix>-<subsystem>`: the prefix of every resource name in this stack. */
  readonly prefix: string;

  constructor(scope: Construct, subsystem: string, config: AppConfig) {
    super(scope, `${subsystem}-${config.environment}`);
    this.config = config;
    this.prefix = `${config.namePrefix}-${subsystem}`;

    new AwsProvider(this, "aws", {
      region: config.region,
      defaultTags: [{ tags: { ...config.tags, environment: config.environment, subsystem } }],
      ...(config.offline
        ? {
            ...OFFLINE_CREDENTIALS,
            skipCredentialsValidation: true,
            skipRequestingAccountId: true,
            skipMetadataApiCheck: "true",
            skipRegionValidation: true,
          }
        : // A deploy with credentials for another account fails before changing anything.
          { allowedAccountIds: [config.accountId] }),
    });

    if (config.backend && !config.offline) {
      new S3Backend(this, {
        bucket: config.backend.bucket,
        key: `${config.backend.keyPrefix}/${config.environment}/${subsystem}.tfstate`,
        region: config.backend.region,
        encrypt: true,
        kmsKeyId: config.backend.kmsKeyId,
      });
      // Native S3 state locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no typed property for it.
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    } else {
      new LocalBackend(this, { path: `${subsystem}-${config.environment}.tfstate` });
    }

    this.kmsKey = new SecureKmsKey(this, "kms-key", {
      description: `${this.prefix}: encrypts the ${subsystem} subsystem's logs, topics and data`,
      alias: this.prefix,
      accountId: config.accountId,
      region: config.region,
    });
    this.alarmTopic = new AlarmTopic(this, "alarm-topic", {
      name: `${this.prefix}-alarms`,
      accountId: config.accountId,
      kmsKey: this.kmsKey,
      email: config.alarmEmail,
    });
    new TerraformOutput(this, "kmsKeyArn", { value: this.kmsKey.arn, description: "The stack's customer-managed KMS key" });
    new TerraformOutput(this, "alarmTopicArn", { value: this.alarmTopic.arn, description: "SNS topic receiving the stack's alarms" });
  }
}
