import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { CreateSecretCommand, PutResourcePolicyCommand, RotateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { secretStore } from "../../../functions/shared/credentials/secrets-manager";
import { run } from "../../../scripts/cli/validate-security/program";
import { startSecretsManager, type SecretsManagerStandIn } from "../../support/secrets-manager-server";
import { captureIo } from "./io";

const ROOT = resolve(__dirname, "..", "..", "..");

/** Key material made at run time, so the repository itself never holds any. */
function plantedFixture(dir: string): void {
  const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const accessKeyId = `AKIA${Array.from(randomBytes(16), (b) => upper[b % 32]).join("")}`;
  const secretAccessKey = randomBytes(30).toString("base64");
  writeFileSync(join(dir, "deploy.env"), `AWS_ACCESS_KEY_ID=${accessKeyId}\nAWS_SECRET_ACCESS_KEY=${secretAccessKey}\n`);
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(join(dir, "id_rsa"), privateKey.export({ type: "pkcs1", format: "pem" }).toString());
  writeFileSync(join(dir, "clean.ts"), "export const region = 'eu-west-1';\n");
}

describe("validate-security", function () {
  this.timeout(60_000);

  it("finds nothing in the repository (npm test runs this scan)", async () => {
    const io = captureIo();
    const code = await run(["--json"], { io, root: ROOT });
    const report = JSON.parse(io.stdout());
    expect(report.secretFindings, JSON.stringify(report.secretFindings)).to.deep.equal([]);
    expect(report.filesScanned).to.be.greaterThan(100);
    expect(code).to.equal(0);
  });

  describe("planted keys in a temporary fixture", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "planted-"));
      plantedFixture(dir);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reports the AWS keys and the private key with file and line, masked, and exits 1", async () => {
      const io = captureIo();
      const reportFile = join(dir, "..", `report-${process.pid}.json`);
      const code = await run(["--no-repo", "--report-file", reportFile, dir], { io, root: dir });
      expect(code).to.equal(1);
      const report = JSON.parse(readFileSync(reportFile, "utf8"));
      rmSync(reportFile);
      const found = report.secretFindings.map((f: { file: string; rule: string }) => `${f.file} ${f.rule}`);
      expect(found).to.include.members(["deploy.env @secretlint/secretlint-rule-aws", "id_rsa @secretlint/secretlint-rule-privatekey"]);
      expect(found.join(" ")).to.not.include("clean.ts");
      const secretKey = readFileSync(join(dir, "deploy.env"), "utf8").split("\n")[1].split("=").slice(1).join("=");
      expect(io.stdout()).to.include("FOUND  deploy.env:2:").and.to.not.include(secretKey);
    });

    it("exits 2 with a sentence for a path that does not exist", async () => {
      const io = captureIo();
      expect(await run(["--no-repo", join(dir, "missing")], { io, root: dir })).to.equal(1);
      expect(io.stderr()).to.match(/^validate-security: No such file or directory: /);
    });
  });

  describe("configuration checks against the Secrets Manager stand-in", () => {
    let sm: SecretsManagerStandIn;
    let client: SecretsManagerClient;
    before(async () => {
      // A rotation function that only finishes (moves AWSCURRENT), enough for a completed rotation.
      sm = await startSecretsManager({
        invoke: async (_arn, event) => {
          if (event.Step !== "finishSecret") return;
          const store = secretStore(client);
          const current = Object.entries((await store.describe(event.SecretId)).versions).find(([, s]) => s.includes("AWSCURRENT"))![0];
          await store.moveStage(event.SecretId, "AWSCURRENT", { toVersionId: event.ClientRequestToken, fromVersionId: current });
        },
      });
      client = new SecretsManagerClient({ endpoint: sm.endpoint, region: sm.region, credentials: sm.credentials });
      await client.send(new CreateSecretCommand({ Name: "avesa/postgres/qa", SecretString: "{}", KmsKeyId: "arn:aws:kms:eu-west-1:111111111111:key/1234" }));
      await client.send(new RotateSecretCommand({ SecretId: "avesa/postgres/qa", RotationLambdaARN: "arn:aws:lambda:eu-west-1:111111111111:function:rot", RotationRules: { AutomaticallyAfterDays: 90 } }));
      await sm.settled();
      const policy = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: ["secretsmanager:GetSecretValue"], Resource: "*", Condition: { StringNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/rot"] } } }] };
      await client.send(new PutResourcePolicyCommand({ SecretId: "avesa/postgres/qa", ResourcePolicy: JSON.stringify(policy) }));
      await client.send(new CreateSecretCommand({ Name: "avesa/clickhouse/qa", SecretString: "{}" }));
    });
    after(async () => {
      client.destroy();
      await sm.stop();
    });

    it("passes a compliant secret and fails a default-key, unrotated, policy-less one and a missing one", async () => {
      const io = captureIo();
      const code = await run(["--no-repo", "--json", "--environment", "qa", "--secret", "avesa/gone/qa"], { io, root: ROOT, store: secretStore(client) });
      expect(code).to.equal(1);
      const checks = JSON.parse(io.stdout()).configChecks as { check: string; secret: string; status: string }[];
      const of = (secret: string) => Object.fromEntries(checks.filter((c) => c.secret === secret).map((c) => [c.check, c.status]));
      expect(of("avesa/postgres/qa")).to.deep.equal({
        secret_exists: "PASS",
        secret_encrypted_with_customer_key: "PASS",
        secret_rotation_enabled: "PASS",
        secret_rotated_within_window: "PASS",
        secret_policy_admits_only_named_roles: "PASS",
      });
      expect(of("avesa/clickhouse/qa")).to.deep.equal({
        secret_exists: "PASS",
        secret_encrypted_with_customer_key: "FAIL",
        secret_rotation_enabled: "FAIL",
        secret_rotated_within_window: "FAIL",
        secret_policy_admits_only_named_roles: "FAIL",
      });
      expect(of("avesa/gone/qa").secret_exists).to.equal("FAIL");
      expect(of("avesa/gone/qa").secret_rotation_enabled).to.equal("NOT_AVAILABLE");
    });
  });
});
