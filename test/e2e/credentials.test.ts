/**
 * End to end: an SNS message → the real rotation-trigger handler → RotateSecret on the Secrets
 * Manager stand-in (real SDK client) → the four rotation steps on real PostgreSQL 15 → a client
 * querying through the credential manager the whole time sees no failed operation.
 */
import { expect } from "chai";
import { Client } from "pg";
import { RotateSecretCommand } from "@aws-sdk/client-secrets-manager";
import type { TriggerOutcome } from "../../functions/shared/contracts/rotation-trigger";
import { CredentialManager } from "../../functions/shared/credentials/credential-manager";
import { postgresEngine } from "../../functions/shared/credentials/engines/postgres";
import { parseDatabaseSecret } from "../../functions/shared/contracts/database-secret";
import { startPostgres, type PostgresCluster } from "../support/postgres";
import { queryLoop } from "../support/query-loop";
import { ROTATION_FUNCTION_ARN, startRotationHarness, type Harness } from "../support/rotation-harness";

describe("credentials end to end: SNS trigger → RotateSecret → rotation on PostgreSQL → client keeps working", function () {
  this.timeout(120_000);
  let pg: PostgresCluster;
  let h: Harness;
  let arn: string;
  let handler: (event: unknown) => Promise<TriggerOutcome[]>;
  const saved = { ...process.env };

  before(async () => {
    pg = await startPostgres();
    h = await startRotationHarness({ engines: { postgres: { ca: pg.caCert } } });
    const admin = new Client({ connectionString: pg.url, ssl: { ca: pg.caCert } });
    await admin.connect();
    await admin.query("CREATE TABLE public.e2e_events (id serial primary key, body text)");
    await admin.query("CREATE ROLE pipeline LOGIN PASSWORD 'Initial-Password-1'");
    await admin.query("GRANT INSERT ON public.e2e_events TO pipeline");
    await admin.query("GRANT USAGE ON SEQUENCE public.e2e_events_id_seq TO pipeline");
    await admin.end();
    arn = await h.createSecret("avesa/postgres/e2e", { engine: "postgres", host: pg.host, port: pg.port, username: "pipeline", password: "Initial-Password-1", requiredPrivileges: ["INSERT:public.e2e_events"] });
    // What the rotation resource does at apply time: enable rotation without rotating.
    await h.client.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: ROTATION_FUNCTION_ARN, RotationRules: { AutomaticallyAfterDays: 90 }, RotateImmediately: false }));

    // The real handler, configured as the stack configures it.
    Object.assign(process.env, {
      AWS_REGION: h.sm.region,
      SECRETS_MANAGER_ENDPOINT: h.sm.endpoint,
      MANAGED_SECRET_ARNS: `${arn},arn:aws:secretsmanager:eu-west-1:111111111111:secret:avesa/clickhouse/e2e-AbCdEf`,
      AWS_ACCESS_KEY_ID: h.sm.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: h.sm.credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
    // Loaded now, so its cold start reads this environment (require: tsx keeps import() native, without .ts resolution).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ handler } = require("../../functions/rotation-trigger/handler") as typeof import("../../functions/rotation-trigger/handler"));
  });
  after(async () => {
    for (const key of ["AWS_REGION", "SECRETS_MANAGER_ENDPOINT", "MANAGED_SECRET_ARNS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "POWERTOOLS_LOG_LEVEL"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await h?.stop();
    await pg?.stop();
  });

  const sns = (message: string, id: string) => ({ Records: [{ EventSource: "aws:sns", Sns: { Message: message, TopicArn: "arn:aws:sns:eu-west-1:111111111111:csp-dev-credentials-rotate", MessageId: id } }] });

  it("rotates three times on demand while the client loop runs, with no failed operation", async () => {
    const manager = new CredentialManager({ secrets: h.store, ttlMs: 60_000 });
    let done = false;
    const loop = queryLoop(manager, "e2e", pg.caCert, () => done, "public.e2e_events");
    for (let i = 0; i < 3; i += 1) {
      const outcomes = await handler(sns(JSON.stringify({ secretId: "avesa/postgres/e2e" }), `m${i}`));
      expect(outcomes).to.deep.equal([{ messageId: `m${i}`, secretId: arn, status: "rotation-started", detail: "rotation started" }]);
      await h.sm.settled();
    }
    done = true;
    const { ops, failures } = await loop;

    expect(h.sm.rotations.filter((r) => r.secretArn === arn).map((r) => r.ok)).to.deep.equal([true, true, true]);
    expect(failures).to.deep.equal([]);
    expect(ops).to.be.greaterThan(5);
    const current = parseDatabaseSecret((await h.store.getValue(arn, { stage: "AWSCURRENT" }))!, "e2e");
    const engine = postgresEngine({ ca: pg.caCert });
    expect(await engine.canLogin(current as never)).to.equal(true);
    expect(await engine.canLogin({ ...(current as never as object), password: "Initial-Password-1" } as never)).to.equal(false);
    // The trigger never invoked the rotation function itself: every invocation came from the service.
    expect(h.sm.calls.filter((c) => c === "RotateSecret")).to.have.length(4);
  });

  it("refuses a secret this stack does not manage, without calling RotateSecret", async () => {
    const before = h.sm.calls.filter((c) => c === "RotateSecret").length;
    const outcomes = await handler(sns("avesa/postgres/someone-else", "m9"));
    expect(outcomes[0]).to.include({ status: "refused", detail: "not a secret this stack manages" });
    expect(h.sm.calls.filter((c) => c === "RotateSecret").length).to.equal(before);
  });

  it("answers a malformed event with a validation error, not a crash", async () => {
    const error = await handler({ Records: [] }).then(() => undefined, (e: Error) => e);
    expect(error?.name).to.equal("ValidationError");
    expect(error?.message).to.match(/^Not an SNS event: Records invalid\.$/);
  });
});
