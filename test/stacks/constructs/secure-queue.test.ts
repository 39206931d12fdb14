import { expect } from "chai";
import { SecureQueue } from "../../../stacks/constructs/secure-queue";
import { EventTrigger } from "../../../stacks/constructs/event-trigger";
import { fakeFunction, only, resources, statements, synthScope } from "../../support/synth";

describe("SecureQueue construct", () => {
  it("encrypts with the stack key, keeps messages 14 days, denies plain HTTP and redrives to its dead-letter queue", () => {
    const out = synthScope((scope) => {
      const { kmsKey } = fakeFunction(scope, "fn");
      const dlq = new SecureQueue(scope, "dlq", { name: "work-dlq", kmsKey });
      new SecureQueue(scope, "work", { name: "work", kmsKey, deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } });
    });
    const [dlq, work] = resources(out, "aws_sqs_queue");
    for (const q of [dlq, work]) expect(q).to.include({ message_retention_seconds: 1209600, kms_data_key_reuse_period_seconds: 300 });
    expect(work.kms_master_key_id).to.match(/aws_kms_key\./);
    expect(JSON.parse(work.redrive_policy)).to.include({ maxReceiveCount: 5 });
    for (const p of resources(out, "aws_sqs_queue_policy")) {
      expect(statements(p.policy)[0]).to.deep.include({ Effect: "Deny", Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    }
  });

  it("as an EventTrigger's dead-letter queue: admits only that rule, and lets EventBridge use the key", () => {
    const out = synthScope((scope) => {
      const { fn, kmsKey } = fakeFunction(scope, "fn");
      const dlq = new SecureQueue(scope, "dlq", { name: "events-dlq", kmsKey });
      new EventTrigger(scope, "nightly", { name: "nightly", description: "d", target: fn, schedule: "rate(1 day)", deadLetterQueue: dlq });
    });
    expect(only(out, "aws_cloudwatch_event_target").dead_letter_config.arn).to.match(/aws_sqs_queue\..*\.arn/);
    const allow = statements(only(out, "aws_sqs_queue_policy").policy)[1];
    expect(allow).to.deep.include({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage" });
    expect(allow.Condition.ArnEquals["aws:SourceArn"]).to.match(/aws_cloudwatch_event_rule\..*\.arn/);
    const keyStatement = statements(only(out, "aws_kms_key").policy).find((s) => s.Principal?.Service === "events.amazonaws.com");
    expect(keyStatement?.Action).to.deep.equal(["kms:Decrypt", "kms:GenerateDataKey"]);
    // EventBridge sends no source keys to KMS: the queue policy above pins the caller instead.
    expect(keyStatement).to.not.have.property("Condition");
  });
});
