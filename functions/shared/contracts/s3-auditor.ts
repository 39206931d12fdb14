/**
 * Contract of the S3 auditor: the events that start it (EventBridge schedule, CloudTrail bucket
 * changes delivered through SQS, a direct invocation), the CloudTrail event names the change rule
 * matches, the metrics it emits (which the stack's alarms watch) and its environment. The handler
 * parses with these schemas; the stack builds its rule, alarms and environment from the same
 * names. A leaf module: it imports nothing but zod.
 */
import * as z from "zod/mini";

/**
 * CloudTrail management events that change what the S3 checks read. The stack's EventBridge rule
 * matches exactly these, and the handler acts on exactly these.
 */
export const BUCKET_CHANGE_EVENTS = [
  "CreateBucket",
  "DeleteBucket",
  "PutBucketPolicy",
  "DeleteBucketPolicy",
  "PutBucketAcl",
  "PutPublicAccessBlock",
  "DeletePublicAccessBlock",
  "PutBucketPublicAccessBlock",
  "DeleteBucketPublicAccessBlock",
  "PutBucketEncryption",
  "DeleteBucketEncryption",
  "PutBucketVersioning",
  "PutBucketOwnershipControls",
  "DeleteBucketOwnershipControls",
] as const;
export type BucketChangeEvent = (typeof BUCKET_CHANGE_EVENTS)[number];

/** The EventBridge pattern of the change rule: successful CloudTrail calls of BUCKET_CHANGE_EVENTS. */
export const BUCKET_CHANGE_PATTERN = {
  source: ["aws.s3"],
  "detail-type": ["AWS API Call via CloudTrail"],
  // A call that failed changed nothing: no audit (and no way to trigger runs by spamming denied calls).
  detail: { eventSource: ["s3.amazonaws.com"], eventName: [...BUCKET_CHANGE_EVENTS], errorCode: [{ exists: false }] },
} as const;

// Legacy us-east-1 buckets may have upper case and underscores, so be generous but bounded.
export const bucketName = z.string().check(z.regex(/^[a-zA-Z0-9._-]{1,255}$/, "not a bucket name"));

/** EventBridge "Scheduled Event": a full audit of the configured regions. */
export const scheduledEvent = z.object({
  "detail-type": z.literal("Scheduled Event"),
  source: z.literal("aws.events"),
  time: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
});

/** EventBridge "AWS API Call via CloudTrail" from S3: audit that bucket (a DeleteBucket archives its findings). */
export const cloudTrailEvent = z.object({
  "detail-type": z.literal("AWS API Call via CloudTrail"),
  source: z.literal("aws.s3"),
  detail: z.object({
    eventSource: z.literal("s3.amazonaws.com"),
    eventName: z.enum(BUCKET_CHANGE_EVENTS),
    awsRegion: z.optional(z.string()),
    errorCode: z.optional(z.string()),
    requestParameters: z.looseObject({ bucketName }),
  }),
});

/** A direct invocation: `{"buckets": ["name", ...]}`. */
export const directInvocation = z.strictObject({
  buckets: z.array(bucketName).check(z.minLength(1, "name at least one bucket"), z.maxLength(1000, "at most 1000 buckets per invocation")),
});

/** One SQS record as Lambda's event source mapping delivers it (the body is the EventBridge event as JSON). */
export const sqsRecord = z.looseObject({
  messageId: z.string().check(z.minLength(1)),
  body: z.string(),
  eventSource: z.literal("aws:sqs"),
});
/** A batch from the bucket-change queue. */
export const sqsEvent = z.object({ Records: z.array(sqsRecord).check(z.minLength(1)) });

/** The answer to an SQS batch: the records to deliver again (Lambda's ReportBatchItemFailures). */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export type ScheduledEvent = z.infer<typeof scheduledEvent>;
export type CloudTrailEvent = z.infer<typeof cloudTrailEvent>;
export type DirectInvocation = z.infer<typeof directInvocation>;
export type SqsEvent = z.infer<typeof sqsEvent>;

// ---- Metrics --------------------------------------------------------------------------------

/** CloudWatch namespace of the S3 auditor's metrics (embedded metric format, Powertools Metrics). */
export const METRICS_NAMESPACE = "CSPM";
/** The Powertools `service`: the only dimension of every metric, and the service name in the logs. */
export const METRICS_SERVICE = "cspm-s3-auditor";
/** The dimensions of every metric the auditor emits, as an alarm must name them. */
export const METRIC_DIMENSIONS = { service: METRICS_SERVICE } as const;

/** Every metric the auditor emits per run (unit Count). */
export const S3_AUDITOR_METRICS = {
  /** 1 when the run was partial (MongoDB or Security Hub failed part of it). */
  runPartial: "RunPartial",
  /** 1 when findings could not all be judged (a KMS key lookup or OPA failed): the run is degraded. */
  runDegraded: "RunDegraded",
  findingsStoreErrors: "FindingsStoreErrors",
  securityHubFailedFindings: "SecurityHubFailedFindings",
  /** Keys the KMS audit API could not (fully) answer for in the run. */
  kmsApiUnavailable: "KmsApiUnavailable",
  findingsSent: "FindingsSent",
  findingsArchived: "FindingsArchived",
  findingsResolved: "FindingsResolved",
} as const;
export type S3AuditorMetric = (typeof S3_AUDITOR_METRICS)[keyof typeof S3_AUDITOR_METRICS];

// ---- Environment ----------------------------------------------------------------------------

const intFrom = (name: string, min: number, max: number, fallback: number) =>
  z.pipe(
    z._default(z.string(), String(fallback)),
    z.transform((value, ctx) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.issues.push({ code: "custom", input: value, message: `${name} must be an integer from ${min} to ${max}; it is ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return n;
    }),
  );

const regionList = z.pipe(
  z.string(),
  z.transform((value, ctx) => {
    const regions = value.split(",").map((r) => r.trim()).filter(Boolean);
    if (regions.length === 0 || regions.some((r) => !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(r))) {
      ctx.issues.push({ code: "custom", input: value, message: "must be comma-separated AWS regions such as eu-west-1,us-east-1" });
      return z.NEVER;
    }
    return regions;
  }),
);

/** The S3 auditor's environment, parsed once at cold start; the stack sets it by these names. */
export const s3AuditorEnv = z.object({
  /** Set by Lambda. */
  AWS_REGION: z.string().check(z.minLength(1)),
  /** Base URL of the KMS audit API stage. */
  KMS_AUDIT_API_URL: z.url({ protocol: /^https?$/, error: "must be the http(s) URL of the KMS audit API stage" }),
  /** Regions a scheduled run audits, comma-separated. */
  AUDIT_REGIONS: regionList,
  /** AWS calls in flight per run. */
  AUDIT_CONCURRENCY: intFrom("AUDIT_CONCURRENCY", 1, 64, 16),
  MONGODB_SECRET_ARN: z.string().check(z.minLength(1)),
  MONGODB_DATABASE: z._default(z.string(), "cspm"),
  /** Where findings are imported (the function's region when unset). */
  SECURITY_HUB_REGION: z.optional(z.string().check(z.regex(/^$|^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "must be an AWS region name such as eu-west-1"))),
  /** Re-send unchanged findings after this many days (< 90, Security Hub's expiry). */
  FINDINGS_REFRESH_DAYS: intFrom("FINDINGS_REFRESH_DAYS", 1, 89, 7),
  /** OPA Data API base URL; unset or empty: no OPA. */
  OPA_URL: z.optional(z.union([z.literal(""), z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })])),
  OPA_POLICY_PATH: z._default(z.string(), "cspm/s3/deny"),
  POWERTOOLS_SERVICE_NAME: z.optional(z.string()),
});
export type S3AuditorEnv = z.infer<typeof s3AuditorEnv>;
export type S3AuditorEnvName = keyof z.input<typeof s3AuditorEnv>;
