import { BUCKET_CHANGE_PATTERN, METRIC_DIMENSIONS, METRICS_NAMESPACE, S3_AUDITOR_METRICS, type S3AuditorEnvName } from "../../functions/shared/contracts/s3-auditor";
import type { AppConfig } from "../config";
import type { PlatformStack } from "../platform-stack";
import { Alarm } from "../constructs/alarm";
import { EventQueue } from "../constructs/event-queue";
import { EventTrigger } from "../constructs/event-trigger";
import { SecureQueue } from "../constructs/secure-queue";
import { NodeFunction } from "../constructs/node-function";
import type { IamRestApi } from "../constructs/rest-api";
import type { SecureSecret } from "../constructs/secret";

/** Read-only S3 configuration calls the bucket checks need (IAM action names, which differ from API names). */
export const S3_AUDIT_ACTIONS = [
  "s3:ListAllMyBuckets",
  "s3:GetBucketLocation",
  "s3:GetBucketPolicy",
  "s3:GetBucketPolicyStatus",
  "s3:GetBucketAcl",
  "s3:GetBucketPublicAccessBlock",
  "s3:GetEncryptionConfiguration",
  "s3:GetBucketVersioning",
  "s3:GetBucketLogging",
  "s3:GetBucketOwnershipControls",
  "s3:GetBucketObjectLockConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "s3:GetBucketNotification",
] as const;

const AUDITOR_TIMEOUT_SECONDS = 900;

/** An S3 auditor environment variable, by the name its contract declares (a rename fails type-checking here). */
const env = (name: S3AuditorEnvName): S3AuditorEnvName => name;

export interface S3AuditorServiceProps {
  readonly kmsAuditApi: IamRestApi;
  readonly mongodbSecret: SecureSecret;
}

/**
 * The S3 bucket auditor: its function and least-privilege role, the schedule and bucket-change
 * triggers, and its alarms (metric names and dimensions from its contract). A part of the CSPM
 * stack whose resources keep their construct ids (see KmsAuditService).
 */
export class S3AuditorService {
  readonly function: NodeFunction;

  constructor(stack: PlatformStack, config: AppConfig, props: S3AuditorServiceProps) {
    const { accountId, region, logRetentionDays } = config;
    const auditor = (this.function = new NodeFunction(stack, "s3-auditor", {
      entry: "s3-auditor",
      functionName: `${stack.prefix}-s3-auditor`,
      description: "Audits S3 buckets, asks the KMS audit API about their keys, writes findings to Security Hub and MongoDB",
      accountId,
      region,
      kmsKey: stack.kmsKey,
      logRetentionDays,
      timeoutSeconds: AUDITOR_TIMEOUT_SECONDS,
      memorySize: 1024,
      // Throttled asynchronous events (schedule, CloudTrail) are retried by Lambda.
      reservedConcurrency: config.cspm.auditorReservedConcurrency,
      environment: {
        [env("POWERTOOLS_SERVICE_NAME")]: "s3-auditor",
        [env("AUDIT_REGIONS")]: config.cspm.auditRegions.join(","),
        [env("AUDIT_CONCURRENCY")]: String(config.cspm.concurrency),
        ...(config.cspm.opaUrl ? { [env("OPA_URL")]: config.cspm.opaUrl } : {}),
      },
      vpc: config.cspm.vpc,
      onFailure: stack.alarmTopic,
    }));
    // Only ListAllMyBuckets takes no resource; the bucket reads are granted on buckets, not on "*".
    auditor.addToRolePolicy({ Sid: "ListBuckets", Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" });
    auditor.addToRolePolicy({
      Sid: "ReadBucketConfiguration",
      Effect: "Allow",
      Action: S3_AUDIT_ACTIONS.filter((a) => a !== "s3:ListAllMyBuckets"),
      Resource: "arn:aws:s3:::*",
    });
    auditor.addToRolePolicy({ Sid: "ReadAccountPublicAccessBlock", Effect: "Allow", Action: "s3:GetAccountPublicAccessBlock", Resource: "*" });
    // Neither takes a resource: ListAliases resolves the buckets' alias names, ListKeys lists the keys a scheduled run audits.
    auditor.addToRolePolicy({ Sid: "ListKeysAndAliases", Effect: "Allow", Action: ["kms:ListAliases", "kms:ListKeys"], Resource: "*" });
    auditor.addToRolePolicy({
      Sid: "ImportFindingsToDefaultProduct",
      Effect: "Allow",
      Action: "securityhub:BatchImportFindings",
      Resource: `arn:aws:securityhub:${region}:${accountId}:product/${accountId}/default`,
    });
    auditor.addToRolePolicy({
      Sid: "UpdateAndReadOwnFindings",
      Effect: "Allow",
      Action: ["securityhub:BatchUpdateFindings", "securityhub:GetFindings"],
      Resource: `arn:aws:securityhub:${region}:${accountId}:hub/default`,
    });
    props.mongodbSecret.grantRead(auditor, env("MONGODB_SECRET_ARN"), "MongoDbSecret");
    // execute-api:Invoke on exactly the KMS audit routes, through the API's own managed policy.
    props.kmsAuditApi.grantInvoke(auditor, env("KMS_AUDIT_API_URL"));

    // Scheduled audit events EventBridge could not deliver; the alarm says when one lands here.
    const eventDlq = new SecureQueue(stack, "event-dlq", { name: `${stack.prefix}-undelivered-events`, kmsKey: stack.kmsKey });
    new Alarm(stack, "event-dlq-messages", {
      name: `${stack.prefix}-undelivered-events`,
      description: "EventBridge could not deliver an audit event to the S3 auditor; it is kept in the queue for 14 days.",
      topic: stack.alarmTopic,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: eventDlq.name },
      statistic: "Maximum",
    });
    new EventTrigger(stack, "scheduled-audit", {
      name: `${stack.prefix}-scheduled-audit`,
      description: "Full S3 audit of the configured regions",
      target: auditor,
      schedule: config.cspm.auditSchedule,
      deadLetterQueue: eventDlq,
    });
    // Bucket changes are queued and consumed in batches by at most `changeAuditConcurrency` auditors:
    // an apply touching 200 buckets becomes a few de-duplicated batch audits, not 200 runs.
    new EventQueue(stack, "bucket-change-queue", {
      name: `${stack.prefix}-bucket-changes`,
      description: "Queues a bucket's audit when CloudTrail records a change to its configuration",
      eventPattern: BUCKET_CHANGE_PATTERN,
      kmsKey: stack.kmsKey,
      consumer: auditor,
      consumerTimeoutSeconds: AUDITOR_TIMEOUT_SECONDS,
      batchSize: 100,
      maxBatchingWindowSeconds: 60,
      maximumConcurrency: 2,
    });

    Alarm.onFunctionErrors(stack, "s3-auditor-errors", auditor, stack.alarmTopic, "The S3 auditor failed (unhandled error or timeout).");
    new Alarm(stack, "s3-auditor-partial-runs", {
      name: `${stack.prefix}-s3-auditor-partial-runs`,
      description: "An audit run was partial (MongoDB unreachable or Security Hub rejected findings); the next run catches up.",
      topic: stack.alarmTopic,
      namespace: METRICS_NAMESPACE,
      metricName: S3_AUDITOR_METRICS.runPartial,
      dimensions: METRIC_DIMENSIONS,
      statistic: "Maximum",
    });
    new Alarm(stack, "s3-auditor-kms-api-unavailable", {
      name: `${stack.prefix}-s3-auditor-kms-api-unavailable`,
      description: "The KMS audit API could not (fully) answer for a key: that key's bucket findings are NOT_AVAILABLE and the run is degraded.",
      topic: stack.alarmTopic,
      namespace: METRICS_NAMESPACE,
      metricName: S3_AUDITOR_METRICS.kmsApiUnavailable,
      dimensions: METRIC_DIMENSIONS,
      statistic: "Maximum",
    });
  }
}
