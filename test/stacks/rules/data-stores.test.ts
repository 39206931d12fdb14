import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { Construct } from "constructs";
import pitr from "../../../stacks/rules/dynamodb-table-pitr-enabled";
import tableKms from "../../../stacks/rules/dynamodb-table-kms-encrypted";
import tableDeletion from "../../../stacks/rules/dynamodb-table-deletion-protected";
import secretKms from "../../../stacks/rules/secretsmanager-secret-kms-encrypted";
import secretRotated from "../../../stacks/rules/secretsmanager-secret-rotated";
import topicKms from "../../../stacks/rules/sns-topic-kms-encrypted";
import queueKms from "../../../stacks/rules/sqs-queue-kms-encrypted";
import logGroupKms from "../../../stacks/rules/logs-log-group-kms-encrypted";
import logGroupRetention from "../../../stacks/rules/logs-log-group-retention-set";
import { AlarmTopic } from "../../../stacks/constructs/alarm";
import { SecureQueue } from "../../../stacks/constructs/secure-queue";
import { ACCOUNT, expectStatus, judge, stackKey } from "./support";

const table = (secure: boolean) => (scope: Construct) =>
  new DynamodbTable(scope, "table", {
    name: "t",
    hashKey: "pk",
    attribute: [{ name: "pk", type: "S" }],
    billingMode: "PAY_PER_REQUEST",
    ...(secure
      ? { pointInTimeRecovery: { enabled: true }, serverSideEncryption: { enabled: true, kmsKeyArn: stackKey(scope).arn }, deletionProtectionEnabled: true }
      : {}),
  });

describe("DynamoDB, Secrets Manager, SNS, SQS and CloudWatch Logs rules", () => {
  for (const rule of [pitr, tableKms, tableDeletion]) {
    it(`${rule.id}: a table with PITR, the stack key and deletion protection complies; a default table does not`, () => {
      expectStatus(judge(rule, table(true)), "table", "compliant");
      expectStatus(judge(rule, table(false)), "table", "non-compliant");
    });
  }

  it("secretsmanager-secret-kms-encrypted: the stack key passes; the default aws/secretsmanager key fails", () => {
    expectStatus(judge(secretKms, (s) => new SecretsmanagerSecret(s, "secret", { name: "x", kmsKeyId: stackKey(s).arn })), "secret", "compliant");
    expectStatus(judge(secretKms, (s) => new SecretsmanagerSecret(s, "secret", { name: "x" })), "secret", "non-compliant");
  });

  it("secretsmanager-secret-rotated: a rotation schedule passes; none fails", () => {
    const rotated = judge(secretRotated, (s) => {
      const secret = new SecretsmanagerSecret(s, "secret", { name: "x" });
      new SecretsmanagerSecretRotation(s, "rotation", { secretId: secret.id, rotationLambdaArn: "arn:aws:lambda:eu-west-1:111111111111:function:rotate", rotationRules: { automaticallyAfterDays: 30 } });
    });
    expectStatus(rotated, "secret", "compliant", "rotation");
    expectStatus(judge(secretRotated, (s) => new SecretsmanagerSecret(s, "secret", { name: "x" })), "secret", "non-compliant");
  });

  it("sns-topic-kms-encrypted: AlarmTopic uses the stack key; alias/aws/sns fails", () => {
    expectStatus(judge(topicKms, (s) => new AlarmTopic(s, "topic", { name: "t", accountId: ACCOUNT, kmsKey: stackKey(s) })), "topic/this", "compliant");
    expectStatus(judge(topicKms, (s) => new SnsTopic(s, "topic", { name: "t", kmsMasterKeyId: "alias/aws/sns" })), "topic", "non-compliant");
  });

  it("sqs-queue-kms-encrypted: SecureQueue uses the stack key; SQS-managed SSE fails", () => {
    expectStatus(judge(queueKms, (s) => new SecureQueue(s, "queue", { name: "q", kmsKey: stackKey(s) })), "queue/this", "compliant");
    expectStatus(judge(queueKms, (s) => new SqsQueue(s, "queue", { name: "q", sqsManagedSseEnabled: true })), "queue", "non-compliant");
  });

  it("logs-log-group-kms-encrypted and logs-log-group-retention-set: key and retention pass; a bare group fails both", () => {
    const good = (s: Construct) => new CloudwatchLogGroup(s, "group", { name: "/x", retentionInDays: 30, kmsKeyId: stackKey(s).arn });
    const bare = (s: Construct) => new CloudwatchLogGroup(s, "group", { name: "/x" });
    for (const rule of [logGroupKms, logGroupRetention]) {
      expectStatus(judge(rule, good), "group", "compliant");
      expectStatus(judge(rule, bare), "group", "non-compliant");
    }
  });
});
