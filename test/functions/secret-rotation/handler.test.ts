/**
 * The real rotation handler, as Lambda runs it: a fresh Node process per invocation with the
 * stack's environment (NODE_EXTRA_CA_CERTS carrying the database's CA, as the RDS bundle does in
 * Lambda), invoked by the Secrets Manager stand-in for each step, against real PostgreSQL 15.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { Client } from "pg";
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { parseDatabaseSecret, type PostgresSecret } from "../../../functions/shared/contracts/database-secret";
import { postgresEngine } from "../../../functions/shared/credentials/engines/postgres";
import { secretStore } from "../../../functions/shared/credentials/secrets-manager";
import { startPostgres, type PostgresCluster } from "../../support/postgres";
import { startSecretsManager, type SecretsManagerStandIn } from "../../support/secrets-manager-server";

const HANDLER = resolve(__dirname, "..", "..", "..", "functions", "secret-rotation", "handler.ts");

describe("secret-rotation handler (real handler, one process per invocation)", function () {
  this.timeout(120_000);
  let pg: PostgresCluster;
  let sm: SecretsManagerStandIn;
  let client: SecretsManagerClient;
  let dir: string;
  const stderr: string[] = [];

  function invoke(event: unknown): Promise<void> {
    return new Promise((done, fail) => {
      const script = `require(${JSON.stringify(HANDLER)}).handler(JSON.parse(process.env.EVENT)).then(() => process.exit(0), (e) => { process.stderr.write(e.message); process.exit(1); });`;
      execFile(
        process.execPath,
        ["-r", "tsx/cjs", "-e", script],
        {
          cwd: resolve(__dirname, "..", "..", ".."),
          env: {
            PATH: process.env.PATH,
            EVENT: JSON.stringify(event),
            AWS_REGION: sm.region,
            SECRETS_MANAGER_ENDPOINT: sm.endpoint,
            AWS_ACCESS_KEY_ID: sm.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: sm.credentials.secretAccessKey,
            NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          },
        },
        (error, _out, err) => {
          if (!error) return done();
          stderr.push(err);
          fail(new Error(err.trim() || error.message));
        },
      );
    });
  }

  before(async () => {
    pg = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), "rotation-handler-"));
    writeFileSync(join(dir, "ca.pem"), pg.caCert);
    sm = await startSecretsManager({ invoke: (_arn, event) => invoke(event), rotationAttempts: 1 });
    client = new SecretsManagerClient({ endpoint: sm.endpoint, region: sm.region, credentials: sm.credentials });
    const admin = new Client({ connectionString: pg.url, ssl: { ca: pg.caCert } });
    await admin.connect();
    await admin.query("CREATE ROLE handler_app LOGIN PASSWORD 'Initial-Password-1'");
    await admin.end();
  });
  after(async () => {
    client?.destroy();
    await sm?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("rotates a PostgreSQL secret through its four steps", async () => {
    const initial = { engine: "postgres", host: pg.host, port: pg.port, username: "handler_app", password: "Initial-Password-1" };
    const { ARN } = await client.send(new CreateSecretCommand({ Name: "avesa/postgres/handler", SecretString: JSON.stringify(initial) }));
    await client.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: "arn:aws:lambda:eu-west-1:111111111111:function:rotation", RotationRules: { AutomaticallyAfterDays: 90 } }));
    await sm.settled();
    const record = sm.rotations.at(-1)!;
    expect(record.ok, record.error).to.equal(true);
    expect(record.steps.map((s) => s.step)).to.deep.equal(["createSecret", "setSecret", "testSecret", "finishSecret"]);
    const current = parseDatabaseSecret((await secretStore(client).getValue(ARN!, { stage: "AWSCURRENT" }))!, "t") as PostgresSecret;
    const engine = postgresEngine({ ca: pg.caCert });
    expect(await engine.canLogin(current)).to.equal(true);
    expect(await engine.canLogin({ ...current, password: "Initial-Password-1" })).to.equal(false);
  });

  it("rejects an event that is not a rotation event, naming the fields", async () => {
    const error = await invoke({ Step: "dropDatabase", SecretId: "x" }).then(() => undefined, (e: Error) => e);
    expect(error?.message).to.equal("Not a Secrets Manager rotation event: Step, ClientRequestToken invalid.");
  });
});
