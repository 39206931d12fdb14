import { expect } from "chai";
import { EventTrigger } from "../../../stacks/constructs/event-trigger";
import { Alarm, AlarmTopic } from "../../../stacks/constructs/alarm";
import { fakeFunction, only, statements, synthScope } from "../../support/synth";

describe("EventTrigger construct", () => {
  it("invokes the function on a schedule, with a permission limited to the rule", () => {
    const out = synthScope((scope) => {
      new EventTrigger(scope, "nightly", { name: "nightly", description: "d", target: fakeFunction(scope, "job").fn, schedule: "rate(1 day)", input: { full: true } });
    });
    expect(only(out, "aws_cloudwatch_event_rule").schedule_expression).to.equal("rate(1 day)");
    expect(JSON.parse(only(out, "aws_cloudwatch_event_target").input)).to.deep.equal({ full: true });
    const permission = only(out, "aws_lambda_permission");
    expect(permission).to.include({ principal: "events.amazonaws.com", action: "lambda:InvokeFunction" });
    expect(permission.source_arn).to.match(/aws_cloudwatch_event_rule\..*\.arn/);
  });

  it("accepts an event pattern, and refuses both or neither", () => {
    const out = synthScope((scope) => {
      new EventTrigger(scope, "changes", { name: "changes", description: "d", target: fakeFunction(scope, "job").fn, eventPattern: { source: ["aws.s3"] } });
    });
    expect(JSON.parse(only(out, "aws_cloudwatch_event_rule").event_pattern)).to.deep.equal({ source: ["aws.s3"] });
    expect(() => synthScope((scope) => new EventTrigger(scope, "x", { name: "x", description: "d", target: fakeFunction(scope, "job").fn }))).to.throw(/exactly one of schedule and eventPattern/);
  });
});

describe("Alarm and AlarmTopic constructs", () => {
  it("sends alarms to a KMS-encrypted, TLS-only topic that only this account's CloudWatch may publish to", () => {
    const out = synthScope((scope) => {
      const { kmsKey } = fakeFunction(scope, "job");
      const topic = new AlarmTopic(scope, "topic", { name: "alarms", accountId: "111111111111", kmsKey, email: "ops@example.com" });
      new Alarm(scope, "errors", { name: "errors", description: "d", topic, namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: "job" } });
    });
    expect(only(out, "aws_sns_topic").kms_master_key_id).to.match(/aws_kms_key\./);
    const policy = statements(only(out, "aws_sns_topic_policy").policy);
    expect(policy[0].Condition.StringEquals["aws:SourceAccount"]).to.equal("111111111111");
    expect(policy[1]).to.deep.include({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(only(out, "aws_sns_topic_subscription")).to.include({ protocol: "email", endpoint: "ops@example.com" });
    const alarm = only(out, "aws_cloudwatch_metric_alarm");
    expect(alarm).to.include({ metric_name: "Errors", threshold: 1, treat_missing_data: "notBreaching" });
    expect(alarm.alarm_actions[0]).to.match(/aws_sns_topic\./);
    const keyPolicy = statements(only(out, "aws_kms_key").policy);
    const cloudwatch = keyPolicy.find((s) => s.Principal?.Service === "cloudwatch.amazonaws.com");
    // Only this account's alarms may have CloudWatch use the key.
    expect(cloudwatch?.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "111111111111" }, ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*" } });
  });

  it("lets a function publish failures to the topic, using the topic key only through SNS", () => {
    const out = synthScope((scope) => {
      const { fn, kmsKey } = fakeFunction(scope, "job");
      new AlarmTopic(scope, "topic", { name: "alarms", accountId: "111111111111", kmsKey }).grantPublish(fn);
    });
    const encrypt = statements(only(out, "aws_iam_role_policy").policy).find((s) => s.Sid === "EncryptForAlarmTopic");
    expect(encrypt?.Condition).to.deep.equal({ StringEquals: { "kms:ViaService": "sns.eu-west-1.amazonaws.com" } });
  });
});
