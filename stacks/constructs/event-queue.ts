import { Construct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { policyDocument } from "./policy-document";
import type { SecureKmsKey } from "./kms-key";
import type { NodeFunction } from "./node-function";

export interface EventQueueProps {
  /** Names the rule, the queue and `<name>-dlq`. */
  readonly name: string;
  readonly description: string;
  /** The EventBridge pattern whose events are queued. */
  readonly eventPattern: Readonly<Record<string, unknown>>;
  /** Encrypts both queues (EventBridge is allowed to use it for them). */
  readonly kmsKey: SecureKmsKey;
  /** Consumes the queue in batches, reporting partial batch failures. */
  readonly consumer: NodeFunction;
  /** The consumer's timeout: the queue's visibility timeout is six times it (AWS's advice). */
  readonly consumerTimeoutSeconds: number;
  /** @default 10 */
  readonly batchSize?: number;
  /** How long Lambda gathers a batch. @default 30 */
  readonly maxBatchingWindowSeconds?: number;
  /** Consumers running at once (2 to 1000). @default 2 */
  readonly maximumConcurrency?: number;
  /** Receives before a message moves to the dead-letter queue. @default 3 */
  readonly maxReceiveCount?: number;
}

/**
 * EventBridge rule -> encrypted SQS queue (with a dead-letter queue, which also takes events the
 * rule could not deliver) -> one function through an event source mapping with batching and a
 * maximum concurrency, so a burst of events becomes a few batched invocations instead of one
 * invocation per event.
 */
export class EventQueue extends Construct {
  readonly rule: CloudwatchEventRule;
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;

  constructor(scope: Construct, id: string, props: EventQueueProps) {
    super(scope, id);
    const kmsKeyId = props.kmsKey.arn;
    // EventBridge encrypts what it sends to the queues with the key.
    props.kmsKey.allowService("events.amazonaws.com");
    this.deadLetterQueue = new SqsQueue(this, "dlq", { name: `${props.name}-dlq`, kmsMasterKeyId: kmsKeyId, messageRetentionSeconds: 1_209_600 });
    this.queue = new SqsQueue(this, "queue", {
      name: props.name,
      kmsMasterKeyId: kmsKeyId,
      visibilityTimeoutSeconds: Math.min(43_200, props.consumerTimeoutSeconds * 6),
      messageRetentionSeconds: 345_600,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount: props.maxReceiveCount ?? 3 }),
    });
    this.rule = new CloudwatchEventRule(this, "rule", { name: props.name, description: props.description, eventPattern: JSON.stringify(props.eventPattern) });
    for (const [sid, queue] of [["queue", this.queue], ["dlq", this.deadLetterQueue]] as const) {
      new SqsQueuePolicy(this, `${sid}-policy`, {
        queueUrl: queue.url,
        policy: policyDocument([
          {
            Sid: "EventBridgeRuleSends",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: queue.arn,
            Condition: { ArnEquals: { "aws:SourceArn": this.rule.arn } },
          },
          { Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: queue.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ]),
      });
    }
    new CloudwatchEventTarget(this, "target", {
      rule: this.rule.name,
      arn: this.queue.arn,
      retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: this.deadLetterQueue.arn },
    });

    const consumer = props.consumer;
    consumer.addToRolePolicy({
      Sid: `Consume${id.replace(/[^A-Za-z0-9]/g, "")}`,
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
      Resource: this.queue.arn,
    });
    consumer.addToRolePolicy({
      Sid: `Decrypt${id.replace(/[^A-Za-z0-9]/g, "")}`,
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: kmsKeyId,
      Condition: { StringEquals: { "kms:ViaService": `sqs.${consumer.region}.amazonaws.com` } },
    });
    new LambdaEventSourceMapping(this, "consumer", {
      eventSourceArn: this.queue.arn,
      functionName: consumer.function.functionName,
      batchSize: props.batchSize ?? 10,
      maximumBatchingWindowInSeconds: props.maxBatchingWindowSeconds ?? 30,
      scalingConfig: { maximumConcurrency: props.maximumConcurrency ?? 2 },
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
  }
}
