import { Construct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import type { NodeFunction } from "./node-function";
import type { SecureQueue } from "./secure-queue";

export interface EventTriggerProps {
  readonly name: string;
  readonly description: string;
  readonly target: NodeFunction;
  /** `rate(...)` or `cron(...)`; give this or `eventPattern`. */
  readonly schedule?: string;
  /** An EventBridge event pattern; give this or `schedule`. */
  readonly eventPattern?: Readonly<Record<string, unknown>>;
  /** A fixed event to send instead of the matched one. */
  readonly input?: Readonly<Record<string, unknown>>;
  /**
   * Where events go that EventBridge could not deliver after its retries (throttled, permission
   * missing). Required by the eventbridge-target-dead-lettered guardrail; one queue can serve every
   * trigger of a stack.
   */
  readonly deadLetterQueue?: SecureQueue;
}

/**
 * An EventBridge rule (schedule or event pattern) invoking one function, with an invoke permission
 * limited to this rule and undeliverable events kept in a dead-letter queue.
 */
export class EventTrigger extends Construct {
  readonly rule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: EventTriggerProps) {
    super(scope, id);
    if ((props.schedule === undefined) === (props.eventPattern === undefined)) {
      throw new Error(`EventTrigger ${props.name}: give exactly one of schedule and eventPattern.`);
    }
    this.rule = new CloudwatchEventRule(this, "this", {
      name: props.name,
      description: props.description,
      scheduleExpression: props.schedule,
      eventPattern: props.eventPattern ? JSON.stringify(props.eventPattern) : undefined,
    });
    new CloudwatchEventTarget(this, "target", {
      rule: this.rule.name,
      arn: props.target.arn,
      input: props.input ? JSON.stringify(props.input) : undefined,
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: props.deadLetterQueue ? { arn: props.deadLetterQueue.arn } : undefined,
    });
    props.deadLetterQueue?.allowEventBridgeRule(this.rule.arn);
    new LambdaPermission(this, "invoke", {
      statementId: `events-${props.name}`.slice(0, 100),
      action: "lambda:InvokeFunction",
      functionName: props.target.function.functionName,
      principal: "events.amazonaws.com",
      sourceArn: this.rule.arn,
    });
  }
}
