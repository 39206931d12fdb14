import { expect } from "chai";
import { SecretsManagerClient, CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { secretStore } from "../../../functions/shared/credentials/secrets-manager";
import { measureSecretAges } from "../../../functions/secret-age-monitor/ages";
import { startSecretsManager, type SecretsManagerStandIn } from "../../support/secrets-manager-server";

describe("secret-age monitor", () => {
  let sm: SecretsManagerStandIn;
  let client: SecretsManagerClient;
  before(async () => {
    sm = await startSecretsManager();
    client = new SecretsManagerClient({ endpoint: sm.endpoint, region: sm.region, credentials: sm.credentials });
  });
  after(async () => {
    client.destroy();
    await sm.stop();
  });

  it("measures days since creation for a never-rotated secret, and reports an unreadable one as an error", async () => {
    const arn = (await client.send(new CreateSecretCommand({ Name: "avesa/clickhouse/dev", SecretString: "{}" }))).ARN!;
    const tenDaysLater = new Date(Date.now() + 10 * 86_400_000);
    const report = await measureSecretAges(secretStore(client), [arn, "arn:aws:secretsmanager:eu-west-1:111111111111:secret:gone-AbCdEf"], tenDaysLater);
    expect(report.ages).to.have.length(1);
    expect(report.ages[0].secretName).to.equal("avesa/clickhouse/dev");
    expect(report.ages[0].ageDays).to.be.closeTo(10, 0.01);
    expect(report.unreadable.map((u) => u.secretArn)).to.deep.equal(["arn:aws:secretsmanager:eu-west-1:111111111111:secret:gone-AbCdEf"]);
    expect(report.unreadable[0].error).to.match(/can't find the specified secret/);
  });
});
