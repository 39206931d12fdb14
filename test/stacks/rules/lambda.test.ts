import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import type { Construct } from "constructs";
import logGroupFirst from "../../../stacks/rules/lambda-function-log-group-first";
import environmentEncrypted from "../../../stacks/rules/lambda-function-environment-encrypted";
import asyncFailures from "../../../stacks/rules/lambda-function-async-failures-kept";
import concurrency from "../../../stacks/rules/lambda-function-concurrency-bounded";
import runtime from "../../../stacks/rules/lambda-function-runtime-supported";
import runtimeNotExpiring from "../../../stacks/rules/lambda-function-runtime-not-expiring";
import noSecrets from "../../../stacks/rules/lambda-function-no-secrets-in-environment";
import permissionPinned from "../../../stacks/rules/lambda-permission-source-pinned";
import { NodeFunction } from "../../../stacks/constructs/node-function";
import { AlarmTopic } from "../../../stacks/constructs/alarm";
import { EventTrigger } from "../../../stacks/constructs/event-trigger";
import { fakeBundleDir, fakeFunction } from "../../support/synth";
import { ACCOUNT, REGION, expectStatus, judge, stackKey } from "./support";

/** A function built without NodeFunction: what the rules must catch. */
const rawFunction = (scope: Construct, extra: Record<string, unknown> = {}) =>
  new LambdaFunction(scope, "raw", { functionName: "raw", role: "arn:aws:iam::111111111111:role/raw", runtime: "nodejs22.x", handler: "index.handler", filename: "x.zip", ...extra });

const nodeFunction = (scope: Construct, props: Partial<ConstructorParameters<typeof NodeFunction>[2]> = {}) =>
  new NodeFunction(scope, "fn", {
    entry: "fn",
    functionName: "fn",
    description: "d",
    accountId: ACCOUNT,
    region: REGION,
    kmsKey: props.kmsKey ?? stackKey(scope),
    logRetentionDays: 7,
    bundleDir: fakeBundleDir("fn"),
    environment: { TABLE_NAME: "t" },
    ...props,
  });

describe("Lambda rules", () => {
  it("lambda-function-log-group-first: NodeFunction creates its log group first; a raw function has none", () => {
    expectStatus(judge(logGroupFirst, (s) => nodeFunction(s)), "fn/this", "compliant");
    expectStatus(judge(logGroupFirst, (s) => rawFunction(s)), "raw", "non-compliant", "/aws/lambda/raw");
  });

  it("lambda-function-environment-encrypted: NodeFunction uses the stack key; a raw function's environment is under the AWS key", () => {
    expectStatus(judge(environmentEncrypted, (s) => nodeFunction(s)), "fn/this", "compliant");
    expectStatus(judge(environmentEncrypted, (s) => rawFunction(s, { environment: { variables: { A: "b" } } })), "raw", "non-compliant", "kms_key_arn");
    expectStatus(judge(environmentEncrypted, (s) => rawFunction(s)), "raw", "not-applicable");
  });

  it("lambda-function-async-failures-kept: an on-failure destination (instead of a DLQ) or a DLQ passes; an async function with neither fails; API-only is not applicable", () => {
    const triggered = (withDestination: boolean) => (scope: Construct) => {
      const key = stackKey(scope);
      const topic = new AlarmTopic(scope, "topic", { name: "t", accountId: ACCOUNT, kmsKey: key });
      const fn = nodeFunction(scope, withDestination ? { onFailure: topic, kmsKey: key } : { kmsKey: key });
      new EventTrigger(scope, "trigger", { name: "tr", description: "d", target: fn, schedule: "rate(1 day)" });
    };
    expectStatus(judge(asyncFailures, triggered(true)), "fn/this", "compliant", "instead of a dead-letter queue");
    expectStatus(judge(asyncFailures, triggered(false)), "fn/this", "non-compliant", "events.amazonaws.com");
    expectStatus(
      judge(asyncFailures, (s) => rawFunction(s, { deadLetterConfig: { targetArn: "arn:aws:sqs:eu-west-1:111111111111:dlq" } })),
      "raw",
      "not-applicable",
    );
    const withDlq = judge(asyncFailures, (s) => {
      const fn = rawFunction(s, { deadLetterConfig: { targetArn: "arn:aws:sqs:eu-west-1:111111111111:dlq" } });
      new LambdaPermission(s, "p", { functionName: fn.functionName, action: "lambda:InvokeFunction", principal: "sns.amazonaws.com", sourceArn: "arn:aws:sns:eu-west-1:111111111111:t" });
    });
    expectStatus(withDlq, "raw", "compliant", "dead-letter queue");
  });

  it("lambda-function-concurrency-bounded: reserved concurrency, a schedule or a capped mapping passes; an event pattern without a reservation fails", () => {
    expectStatus(judge(concurrency, (s) => nodeFunction(s, { reservedConcurrency: 2 })), "fn/this", "compliant", "reserved concurrency 2");
    const scheduled = judge(concurrency, (s) => new EventTrigger(s, "t", { name: "t", description: "d", target: nodeFunction(s), schedule: "rate(1 day)" }));
    expectStatus(scheduled, "fn/this", "compliant", "every invoker is bounded");
    const pattern = judge(concurrency, (s) => new EventTrigger(s, "t", { name: "t", description: "d", target: nodeFunction(s), eventPattern: { source: ["aws.s3"] } }));
    expectStatus(pattern, "fn/this", "non-compliant", "events.amazonaws.com");
    const mapped = (capped: boolean) => (s: Construct) => {
      const fn = nodeFunction(s);
      new LambdaEventSourceMapping(s, "m", { functionName: fn.function.functionName, eventSourceArn: "arn:aws:sqs:eu-west-1:111111111111:q", ...(capped ? { scalingConfig: { maximumConcurrency: 2 } } : {}) });
    };
    expectStatus(judge(concurrency, mapped(true)), "fn/this", "compliant");
    expectStatus(judge(concurrency, mapped(false)), "fn/this", "non-compliant", "maximum_concurrency");
  });

  it("lambda-function-runtime-supported: nodejs22.x passes; nodejs18.x and unknown runtimes fail", () => {
    const now = new Date("2026-11-30T00:00:00Z");
    expectStatus(judge(runtime, (s) => nodeFunction(s), now), "fn/this", "compliant");
    expectStatus(judge(runtime, (s) => rawFunction(s, { runtime: "nodejs18.x" }), now), "raw", "non-compliant", "deprecated on 2025-09-01");
    expectStatus(judge(runtime, (s) => rawFunction(s, { runtime: "cobol1" }), now), "raw", "non-compliant", "unknown");
  });

  it("lambda-function-runtime-not-expiring (a warning): more than 180 days left passes; fewer warns", () => {
    expectStatus(judge(runtimeNotExpiring, (s) => nodeFunction(s), new Date("2026-06-30T00:00:00Z")), "fn/this", "compliant");
    expectStatus(judge(runtimeNotExpiring, (s) => nodeFunction(s), new Date("2027-01-30T00:00:00Z")), "fn/this", "non-compliant", "deprecated on 2027-04-30");
  });

  it("lambda-function-no-secrets-in-environment: a secret's ARN passes; a password or credential-looking value fails", () => {
    expectStatus(judge(noSecrets, (s) => nodeFunction(s, { environment: { DB_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db" } })), "fn/this", "compliant");
    expectStatus(judge(noSecrets, (s) => nodeFunction(s, { environment: { DB_PASSWORD: "hunter2" } })), "fn/this", "non-compliant", "DB_PASSWORD");
    expectStatus(judge(noSecrets, (s) => nodeFunction(s, { environment: { MONGO: "mongodb://app:pw@db.example.com/x" } })), "fn/this", "non-compliant", "looks like a credential");
  });

  it("lambda-permission-source-pinned: a rule ARN or the deployed stage passes; no source, `*` stages and Principal * fail; Secrets Manager is pinned by account", () => {
    const permission = (props: Record<string, unknown>) => (s: Construct) => {
      const { fn } = fakeFunction(s, "fn");
      new LambdaPermission(s, "p", { functionName: fn.function.functionName, action: "lambda:InvokeFunction", principal: "apigateway.amazonaws.com", ...props });
    };
    const api = "arn:aws:execute-api:eu-west-1:111111111111:abc123";
    expectStatus(judge(permissionPinned, permission({ sourceArn: `${api}/v1/POST/health` })), "p", "compliant");
    expectStatus(judge(permissionPinned, permission({ sourceArn: `${api}/*/POST/health` })), "p", "non-compliant", "deployed stage");
    expectStatus(judge(permissionPinned, permission({})), "p", "non-compliant", "source_arn");
    expectStatus(judge(permissionPinned, permission({ principal: "*" })), "p", "non-compliant");
    expectStatus(judge(permissionPinned, permission({ principal: "secretsmanager.amazonaws.com", sourceAccount: "111111111111" })), "p", "compliant", "source account");
    expectStatus(judge(permissionPinned, (s) => new EventTrigger(s, "t", { name: "t", description: "d", target: fakeFunction(s, "fn").fn, schedule: "rate(1 day)" })), "t/invoke", "compliant");
  });
});
