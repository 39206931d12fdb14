import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { policyDocument, type PolicyStatement } from "./policy-document";
import type { SecureKmsKey } from "./kms-key";

export interface SecureQueueProps {
  readonly name: string;
  /** Encrypts the messages (SSE-KMS with the stack's customer key). */
  readonly kmsKey: SecureKmsKey;
  /** @default 1209600 (14 days, the longest SQS keeps a message: time to notice and redrive) */
  readonly messageRetentionSeconds?: number;
  /** @default 300 */
  readonly visibilityTimeoutSeconds?: number;
  /** Messages received this many times without being deleted move here. @default none */
  readonly deadLetterQueue?: { readonly queue: SecureQueue; readonly maxReceiveCount: number };
}

/**
 * An SQS queue encrypted with a customer key, with a TLS-only policy that names who may send:
 * e.g. a dead-letter queue for EventBridge targets (`allowEventBridgeRule`), or a work queue with
 * its own dead-letter queue (`deadLetterQueue`).
 */
export class SecureQueue extends Construct {
  readonly queue: SqsQueue;
  readonly arn: string;
  readonly url: string;
  readonly name: string;
  private readonly statements: PolicyStatement[];
  private readonly kmsKey: SecureKmsKey;

  constructor(scope: Construct, id: string, props: SecureQueueProps) {
    super(scope, id);
    this.kmsKey = props.kmsKey;
    this.queue = new SqsQueue(this, "this", {
      name: props.name,
      kmsMasterKeyId: props.kmsKey.arn,
      // One data key serves the queue for 5 minutes: fewer KMS calls, same key policy.
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: props.messageRetentionSeconds ?? 1209600,
      visibilityTimeoutSeconds: props.visibilityTimeoutSeconds ?? 300,
      redrivePolicy: props.deadLetterQueue
        ? JSON.stringify({ deadLetterTargetArn: props.deadLetterQueue.queue.arn, maxReceiveCount: props.deadLetterQueue.maxReceiveCount })
        : undefined,
    });
    this.arn = this.queue.arn;
    this.url = this.queue.url;
    this.name = props.name;
    this.statements = [
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: this.queue.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ];
    new SqsQueuePolicy(this, "policy", { queueUrl: this.queue.url, policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }) });
  }

  /** Lets one EventBridge rule send to the queue (as its targets' dead-letter queue). */
  allowEventBridgeRule(ruleArn: string): void {
    this.statements.push({
      Sid: `EventBridgeRule${this.statements.length}`,
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: this.queue.arn,
      Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
    });
    // EventBridge encrypts with the queue's key; it sends no aws:SourceAccount/SourceArn to KMS, so the
    // queue policy above (pinned to the rule) is where the caller is pinned.
    this.kmsKey.allowService("events.amazonaws.com", ["kms:Decrypt", "kms:GenerateDataKey"], {
      unpinnedBecause: "EventBridge sends no aws:SourceAccount/aws:SourceArn to KMS (AWS: encrypted SNS/SQS targets)",
    });
  }
}
