import { expect } from "chai";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SnsEvent } from "../../../functions/shared/contracts/rotation-trigger";
import { secretStore } from "../../../functions/shared/credentials/secrets-manager";
import { handleTrigger, managedSecret, secretNameOfArn } from "../../../functions/rotation-trigger/trigger";
import { startSecretsManager, type RotationInvocation, type SecretsManagerStandIn } from "../../support/secrets-manager-server";

const snsEvent = (...messages: string[]): SnsEvent => ({
  Records: messages.map((Message, i) => ({ EventSource: "aws:sns" as const, Sns: { Message, TopicArn: "arn:aws:sns:eu-west-1:111111111111:csp-dev-credentials-rotate", MessageId: `m${i}` } })),
});

describe("rotation trigger (SNS → RotateSecret) against the Secrets Manager stand-in", () => {
  let sm: SecretsManagerStandIn;
  let client: SecretsManagerClient;
  const invocations: RotationInvocation[] = [];
  const warnings: Record<string, unknown>[] = [];
  let managed: string;
  let other: string;
  const deps = () => ({
    store: secretStore(client),
    managedSecretArns: [managed],
    logger: { info: () => undefined, warn: (_m: string, extra: Record<string, unknown>) => void warnings.push(extra) },
  });

  before(async () => {
    sm = await startSecretsManager({ invoke: async (_arn, event) => void invocations.push(event) });
    client = new SecretsManagerClient({ endpoint: sm.endpoint, region: sm.region, credentials: sm.credentials });
    const store = secretStore(client);
    const { CreateSecretCommand, RotateSecretCommand } = await import("@aws-sdk/client-secrets-manager");
    for (const name of ["avesa/postgres/dev", "someone-elses/secret"]) {
      await client.send(new CreateSecretCommand({ Name: name, SecretString: "{}" }));
      await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: "arn:aws:lambda:eu-west-1:111111111111:function:rot", RotateImmediately: false }));
    }
    managed = (await store.describe("avesa/postgres/dev")).arn;
    other = (await store.describe("someone-elses/secret")).arn;
  });
  after(async () => {
    client.destroy();
    await sm.stop();
  });

  it("maps ARNs to names and matches a message by either", () => {
    expect(secretNameOfArn("arn:aws:secretsmanager:eu-west-1:111111111111:secret:avesa/postgres/dev-AbC123")).to.equal("avesa/postgres/dev");
    expect(managedSecret("avesa/postgres/dev", [managed])).to.equal(managed);
    expect(managedSecret(managed, [managed])).to.equal(managed);
    expect(managedSecret("avesa/postgres", [managed])).to.equal(undefined);
  });

  it("starts a rotation through RotateSecret for a managed secret named as JSON or plain text", async () => {
    const outcomes = await handleTrigger(snsEvent(JSON.stringify({ secretId: "avesa/postgres/dev" })), deps());
    await sm.settled();
    expect(outcomes).to.deep.equal([{ messageId: "m0", secretId: managed, status: "rotation-started", detail: "rotation started" }]);
    expect(sm.calls).to.include("RotateSecret");
    // The configuration checks (testSecret only) when rotation was enabled, then one full rotation.
    expect(invocations.map((i) => i.Step)).to.deep.equal(["testSecret", "testSecret", "createSecret", "setSecret", "testSecret", "finishSecret"]);
  });

  it("refuses and logs a secret this stack does not manage, and malformed messages, without calling RotateSecret", async () => {
    const before = sm.calls.filter((c) => c === "RotateSecret").length;
    const outcomes = await handleTrigger(snsEvent(other, "someone-elses/secret", JSON.stringify({ secretId: "x", extra: 1 }), "not a secret id!"), deps());
    expect(outcomes.map((o) => o.status)).to.deep.equal(["refused", "refused", "refused", "refused"]);
    expect(sm.calls.filter((c) => c === "RotateSecret").length).to.equal(before);
    expect(warnings.map((w) => w.requested)).to.include(other);
  });
});
