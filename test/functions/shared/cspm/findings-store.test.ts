import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { mockClient } from "aws-sdk-client-mock";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { MongoClient } from "mongodb";
import type { AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import { FindingsStore, FindingsStoreError, HISTORY_LIMIT, PENDING_FINGERPRINT, RECENT_RUNS_LIMIT, containerClient, readConnectionString, type FindingWrite } from "../../../../functions/shared/cspm/findings-store";
import { startMongoWireServer, startTcpProxy as startProxy, type MongoWireServer } from "../../../support/mongo-wire-server";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:cspm/mongodb-AbCdEf";

function write(id: string, over: Partial<FindingWrite> = {}): FindingWrite {
  const finding = { Id: id, GeneratorId: "check", Resources: [{ Type: "AwsS3Bucket", Id: "arn:aws:s3:::b" }], RecordState: "ACTIVE" } as AwsSecurityFinding;
  return {
    id,
    resourceId: "arn:aws:s3:::b",
    resourceType: "AwsS3Bucket",
    resourceRegion: "eu-west-1",
    checkId: "check",
    status: "FAILED",
    severity: "HIGH",
    recordState: "ACTIVE",
    createdAt: "2025-01-01T00:00:00.000Z",
    firstObservedAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-01T00:00:00.000Z",
    lastObservedAt: "2025-01-01T00:00:00.000Z",
    lastSentAt: "2025-01-01T00:00:00.000Z",
    fingerprint: "fp1",
    finding,
    statusChanged: true,
    runId: "run-1",
    ...over,
  };
}

describe("findings store (real mongodb driver)", function () {
  // A real server when MONGODB_URI is set, otherwise the in-memory wire-protocol server.
  let server: MongoWireServer | undefined;
  let uri: string;
  let database: string;
  let client: MongoClient;
  let secrets: SecretsManagerClient;
  let secretsMock: ReturnType<typeof mockClient>;

  beforeEach(async () => {
    if (process.env.MONGODB_URI) uri = process.env.MONGODB_URI;
    else {
      server = await startMongoWireServer();
      uri = server.uri;
    }
    database = `cspm_test_${randomUUID().slice(0, 8)}`;
    secrets = new SecretsManagerClient({ region: "eu-west-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
    secretsMock = mockClient(secrets);
    secretsMock.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ uri }) });
  });

  afterEach(async () => {
    if (process.env.MONGODB_URI) await client?.db(database).dropDatabase().catch(() => undefined);
    await client?.close(true).catch(() => undefined);
    await server?.stop();
    server = undefined;
    secretsMock.restore();
  });

  function store(): FindingsStore {
    const get = containerClient({ secretArn: SECRET_ARN, secrets, clientOptions: { serverSelectionTimeoutMS: 400, connectTimeoutMS: 400 } });
    return new FindingsStore(async () => (client = await get()), database);
  }

  it("reads the connection string once per container and keeps one client", async () => {
    const get = containerClient({ secretArn: SECRET_ARN, secrets });
    const [a, b] = await Promise.all([get(), get()]);
    client = a;
    expect(a).to.equal(b);
    expect(await get()).to.equal(a);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).to.have.length(1);
  });

  it("accepts a plain URI secret and rejects a secret without one", async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: "mongodb://h:27017" });
    expect(await readConnectionString(secrets, "x")).to.equal("mongodb://h:27017");
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: "{\"password\":\"p\"}" });
    await readConnectionString(secrets, "x").then(
      () => expect.fail("should reject"),
      (e: Error) => expect(e.message).to.match(/holds no MongoDB connection string/),
    );
  });

  it("creates indexes idempotently", async () => {
    const s = store();
    await s.ensureIndexes();
    await new FindingsStore(async () => client, database).ensureIndexes();
    const names = (await client.db(database).collection("findings").listIndexes().toArray()).map((i) => i.name);
    expect(names).to.include.members(["_id_", "resourceId_1", "lastSentAt_1"]);
  });

  it("upserts by Id, keeps CreatedAt on a rerun and bounds the status history", async () => {
    const s = store();
    await s.upsertFindings([write("f1"), write("f2", { status: "PASSED" })]);
    // A rerun: a different createdAt must not overwrite the first one.
    await s.upsertFindings([write("f1", { createdAt: "2026-01-01T00:00:00.000Z", firstObservedAt: "2026-01-01T00:00:00.000Z", status: "PASSED", updatedAt: "2026-01-01T00:00:00.000Z", runId: "run-2" })]);
    const prior = await s.priorByIds(["f1", "f2", "missing"]);
    expect([...prior.keys()].sort()).to.deep.equal(["f1", "f2"]);
    expect(prior.get("f1")).to.include({ createdAt: "2025-01-01T00:00:00.000Z", firstObservedAt: "2025-01-01T00:00:00.000Z", status: "PASSED", updatedAt: "2026-01-01T00:00:00.000Z", fingerprint: "fp1" });
    expect(prior.get("f1")!.finding?.Id).to.equal("f1");

    for (let i = 0; i < HISTORY_LIMIT + 5; i++) await s.upsertFindings([write("f1", { runId: `r${i}`, status: i % 2 ? "PASSED" : "FAILED" })]);
    const doc = await client.db(database).collection("findings").findOne({ _id: "f1" as never });
    expect(doc!.history).to.have.length(HISTORY_LIMIT);
    expect(doc!.history.at(-1).runId).to.equal(`r${HISTORY_LIMIT + 4}`);
    // No history entry when nothing changed.
    await s.upsertFindings([write("f2", { status: "PASSED", statusChanged: false })]);
    const f2 = await client.db(database).collection("findings").findOne({ _id: "f2" as never });
    expect(f2!.history).to.have.length(1);
  });

  it("finds active findings by resource and by region, and records runs", async () => {
    const s = store();
    await s.upsertFindings([write("a"), write("b", { recordState: "ARCHIVED" }), write("c", { resourceId: "arn:aws:s3:::other", resourceRegion: "us-east-1" })]);
    expect((await s.activeByResources(["arn:aws:s3:::b"])).map((p) => p.id)).to.deep.equal(["a"]);
    expect((await s.activeInRegions("AwsS3Bucket", ["us-east-1"])).map((p) => p.id)).to.deep.equal(["c"]);
    await s.recordRun({ _id: "run-1", kind: "s3", trigger: "schedule", scope: { regions: ["eu-west-1"] }, startedAt: "s", finishedAt: "e", status: "complete", counts: { sent: 3 }, errors: [] });
    const runs = await client.db(database).collection("audit_runs").find({}).toArray();
    expect(runs).to.have.length(1);
    expect(runs[0]).to.deep.include({ _id: "run-1", status: "complete", counts: { sent: 3 } });
  });

  it("marks findings pending before a send, and touches unchanged ones only if nobody changed them since", async () => {
    const s = store();
    await s.upsertFindings([write("f1"), write("f2")]);
    await s.markPending(["f1", "missing"]);
    const prior = await s.priorByIds(["f1", "f2", "missing"]);
    expect(prior.get("f1")!.fingerprint).to.equal(PENDING_FINGERPRINT);
    expect(prior.get("f2")!.fingerprint).to.equal("fp1");
    expect(prior.has("missing")).to.equal(false); // never upserted by the mark

    // A run that read fp1 before f1 was marked: its "unchanged" touch must not put fp1 back.
    await s.upsertFindings([
      write("f1", { ifFingerprint: "fp1", fingerprint: "fp1", lastObservedAt: "2025-02-01T00:00:00.000Z", runId: "late", statusChanged: false }),
      write("f2", { ifFingerprint: "fp1", fingerprint: "fp1", status: "PASSED", lastObservedAt: "2025-02-01T00:00:00.000Z", runId: "late", statusChanged: false }),
      write("f3", { ifFingerprint: "fp1", statusChanged: false }),
    ]);
    const after = await s.priorByIds(["f1", "f2", "f3"]);
    expect(after.get("f1")!.fingerprint).to.equal(PENDING_FINGERPRINT);
    // f2 matched: only lastObservedAt / runId moved, nothing else was rewritten.
    const f2 = await client.db(database).collection("findings").findOne({ _id: "f2" as never });
    expect(f2).to.deep.include({ lastObservedAt: "2025-02-01T00:00:00.000Z", runId: "late", status: "FAILED", fingerprint: "fp1" });
    expect(after.has("f3")).to.equal(false); // a touch never inserts
  });

  it("keeps the pipeline state: whether runs exist, recent run windows (bounded), reconciledAt and dirtySince", async () => {
    const s = store();
    expect(await s.runHistory()).to.deep.equal({ hasRecordedRuns: false, state: { recentRuns: [] } });
    await s.recordRun({ _id: "r0", kind: "s3", trigger: "schedule", scope: {}, startedAt: "a", finishedAt: "b", status: "complete", counts: {}, errors: [] });
    for (let i = 0; i < RECENT_RUNS_LIMIT + 3; i++) await s.noteRun({ runId: `r${i}`, startedAt: `2025-01-01T00:00:${String(i).padStart(2, "0")}.000Z`, finishedAt: `2025-01-01T00:00:${String(i).padStart(2, "0")}.500Z` });
    await s.noteRun({ runId: "x", startedAt: "2025-01-02T00:00:00.000Z", finishedAt: "2025-01-02T00:00:01.000Z" }, { dirtySince: "2025-01-02T00:00:01.000Z" });
    await s.noteRun({ runId: "y", startedAt: "2025-01-03T00:00:00.000Z", finishedAt: "2025-01-03T00:00:01.000Z" }, { reconciledAt: "2025-01-03T00:00:00.000Z" });
    const { hasRecordedRuns, state } = await s.runHistory();
    expect(hasRecordedRuns).to.equal(true);
    expect(state.recentRuns).to.have.length(RECENT_RUNS_LIMIT);
    expect(state.recentRuns.at(-1)!.runId).to.equal("y");
    expect(state).to.deep.include({ dirtySince: "2025-01-02T00:00:01.000Z", reconciledAt: "2025-01-03T00:00:00.000Z" });
  });

  it("surfaces a server that goes away mid-run as a typed FindingsStoreError", async () => {
    const proxy = await startProxy(uri);
    secretsMock.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: proxy.uri });
    const s = store();
    await s.upsertFindings([write("f1")]);
    await proxy.stop();
    const error = await s.upsertFindings([write("f2")]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(FindingsStoreError);
    expect((error as FindingsStoreError).code).to.equal("FindingsStoreUnavailable");
    expect((error as FindingsStoreError).operation).to.equal("bulkWrite");
    const read = await s.priorByIds(["f1"]).catch((e: unknown) => e);
    expect(read).to.be.instanceOf(FindingsStoreError);
  });
});
