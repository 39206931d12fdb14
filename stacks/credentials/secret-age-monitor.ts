import { Construct } from "constructs";
import { Fn } from "cdktf";
import { MANAGED_SECRETS_ENV } from "../../functions/shared/contracts/managed-secrets";
import { SECRET_AGE_METRICS } from "../../functions/shared/contracts/secret-age";
import { Alarm, type AlarmTopic } from "../constructs/alarm";
import { EventTrigger } from "../constructs/event-trigger";
import { SecureQueue } from "../constructs/secure-queue";
import type { SecureKmsKey } from "../constructs/kms-key";
import { NodeFunction } from "../constructs/node-function";
import type { RotatedSecret } from "../constructs/secret-rotation";

export interface SecretAgeMonitorProps {
  readonly prefix: string;
  readonly accountId: string;
  readonly region: string;
  readonly kmsKey: SecureKmsKey;
  readonly alarmTopic: AlarmTopic;
  readonly logRetentionDays: number;
  readonly secrets: readonly RotatedSecret[];
  /** Days past the rotation period before the age alarm fires (rotation windows and retries). @default 2 */
  readonly graceDays?: number;
  readonly bundleDir?: string;
}

/** Every six hours, each secret's age since its last successful rotation; an alarm per secret past its window. */
export class SecretAgeMonitor extends Construct {
  readonly function: NodeFunction;

  constructor(scope: Construct, id: string, props: SecretAgeMonitorProps) {
    super(scope, id);
    const { accountId, region } = props;
    this.function = new NodeFunction(this, "function", {
      entry: "secret-age-monitor",
      functionName: `${props.prefix}-secret-age`,
      description: "Publishes each managed secret's days since its last successful rotation",
      accountId,
      region,
      kmsKey: props.kmsKey,
      logRetentionDays: props.logRetentionDays,
      timeoutSeconds: 30,
      memorySize: 128,
      environment: { POWERTOOLS_SERVICE_NAME: SECRET_AGE_METRICS.service, [MANAGED_SECRETS_ENV.managedSecretArns]: Fn.join(",", props.secrets.map((s) => s.arn)) },
      onFailure: props.alarmTopic,
    });
    this.function.addToRolePolicy({ Sid: "DescribeManagedSecrets", Effect: "Allow", Action: "secretsmanager:DescribeSecret", Resource: props.secrets.map((s) => s.arn) });
    // Schedule events EventBridge could not deliver land here (a missed measurement must not go unseen).
    const undelivered = new SecureQueue(this, "undelivered", { name: `${props.prefix}-secret-age-undelivered`, kmsKey: props.kmsKey });
    new EventTrigger(this, "schedule", { name: `${props.prefix}-secret-age`, description: "Measures secret ages every six hours", target: this.function, schedule: "rate(6 hours)", deadLetterQueue: undelivered });
    new Alarm(this, "undelivered-events", {
      name: `${props.prefix}-secret-age-undelivered`,
      description: "EventBridge could not start the secret-age monitor; the secret-age alarms are blind until it runs.",
      topic: props.alarmTopic,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: undelivered.name },
      statistic: "Maximum",
    });
    Alarm.onFunctionErrors(this, "errors", this.function, props.alarmTopic, "The secret-age monitor could not read a secret's age; the age alarms are blind until it runs again.");
    props.secrets.forEach((secret, i) => {
      new Alarm(this, `age-${i}`, {
        name: `${props.prefix}-secret-age-${secret.name.replace(/[^\w-]/g, "-")}`,
        description: `${secret.name} has not rotated successfully for longer than its ${secret.rotationDays}-day period: check rotation-status and the rotation function's log.`,
        topic: props.alarmTopic,
        namespace: SECRET_AGE_METRICS.namespace,
        metricName: SECRET_AGE_METRICS.metricName,
        // Powertools adds the service dimension to every metric.
        dimensions: { service: SECRET_AGE_METRICS.service, [SECRET_AGE_METRICS.dimension]: secret.name },
        statistic: "Maximum",
        threshold: secret.rotationDays + (props.graceDays ?? 2),
        periodSeconds: 21_600,
      });
    });
  }
}
