import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { dbBootstrapEnvSchema } from "../../../functions/shared/contracts/db-bootstrap";
import { parseEnv } from "../../../functions/shared/platform/env";
import { BootstrapFailed, runBootstrap } from "../../../functions/db-bootstrap/run";
import { startPostgres, type PostgresCluster } from "../../support/postgres";
import { createTestDatabase, type TestDatabase } from "../shared/aurora-iam/database";

const MASTER_ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-abc-123456";
const WRITER_ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:csp-dev-aurora-iam/lambda_writer-AbCdEf";

describe("db-bootstrap function core (real PostgreSQL, Secrets Manager mocked)", function () {
  this.timeout(30000);
  let pg: PostgresCluster;
  let db: TestDatabase;
  let sm: ReturnType<typeof mockClient>;
  const secrets = new SecretsManagerClient({ region: "eu-west-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
  let env: ReturnType<typeof parseEnv<typeof dbBootstrapEnvSchema>>;
  let stored: string[] = [];
  let versions: Record<string, string[]> = {};

  before(async () => {
    sm = mockClient(SecretsManagerClient);
    pg = await startPostgres();
    db = await createTestDatabase(pg, "platform");
    env = parseEnv(dbBootstrapEnvSchema, { AWS_REGION: "eu-west-1", MASTER_SECRET_ARN: MASTER_ARN, WRITER_SECRET_ARN: WRITER_ARN, DB_HOST: "localhost", DB_PORT: String(pg.port), DB_NAME: db.name });
  });
  beforeEach(() => {
    sm.reset();
    sm.on(GetSecretValueCommand, { SecretId: MASTER_ARN }).resolves({ SecretString: JSON.stringify({ username: db.masterUser, password: db.masterPassword }) });
    sm.on(DescribeSecretCommand, { SecretId: WRITER_ARN }).callsFake(async () => ({ ARN: WRITER_ARN, VersionIdsToStages: versions }));
    sm.on(PutSecretValueCommand, { SecretId: WRITER_ARN }).callsFake(async (input: { SecretString: string; ClientRequestToken: string }) => {
      stored.push(input.SecretString);
      versions = { [input.ClientRequestToken]: ["AWSCURRENT"] };
      return { ARN: WRITER_ARN };
    });
  });
  after(async () => {
    sm.restore();
    await pg?.stop();
  });

  const run = (resetWriterPassword = false) => runBootstrap({ secrets, env, ssl: { ca: pg.caCert } }, { resetWriterPassword });

  it("migrates a fresh database and gives lambda_writer a password that is in its secret and works", async () => {
    const result = await run();
    expect(result).to.deep.equal({ applied: ["0001-roles-and-database", "0002-writer-schemas", "0003-writer-tables"], alreadyApplied: 0, keyColumnGrants: ["bar.metrics", "foo.events"], writerPassword: "set" });
    expect(stored).to.have.length(1);
    const value = JSON.parse(stored[0]);
    expect(value).to.include({ engine: "postgres", host: "localhost", port: pg.port, dbname: "platform", username: "lambda_writer" });
    expect(value.password).to.match(/^[A-Za-z0-9]{40}$/);
    const writer = await db.connect("lambda_writer", value.password);
    await writer.end();
  });

  it("leaves the password to the rotation once the secret has one, unless told to reset it", async () => {
    expect((await run()).writerPassword).to.equal("kept");
    expect(stored).to.have.length(1);
    expect(await run(true)).to.deep.include({ applied: [], writerPassword: "set" });
    expect(stored).to.have.length(2);
    const writer = await db.connect("lambda_writer", JSON.parse(stored[1]).password);
    await writer.end();
    let refused: Error | undefined;
    await db.connect("lambda_writer", JSON.parse(stored[0]).password).catch((e: Error) => (refused = e));
    expect(refused?.message).to.match(/password authentication failed/);
  });

  it("fails with a sentence when the master secret is unreadable or the cluster refuses", async () => {
    sm.on(GetSecretValueCommand, { SecretId: MASTER_ARN }).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    let error: Error | undefined;
    await run().catch((e: Error) => (error = e));
    expect(error).to.be.instanceOf(BootstrapFailed);
    expect(error?.message).to.equal(`Cannot read the master user secret ${MASTER_ARN} (AccessDeniedException).`);

    sm.on(GetSecretValueCommand, { SecretId: MASTER_ARN }).resolves({ SecretString: JSON.stringify({ username: db.masterUser, password: "wrong" }) });
    await run().catch((e: Error) => (error = e));
    expect(error?.message).to.match(/^Cannot connect to localhost:\d+\/platform as the master user: password authentication failed/);
  });

  it("verifies the cluster's certificate: without its CA in the bundle, nothing is sent", async () => {
    let error: Error | undefined;
    await runBootstrap({ secrets, env, ssl: {} }, { resetWriterPassword: false }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/^Cannot connect to localhost:\d+\/platform as the master user: .*certificate/);
  });
});
