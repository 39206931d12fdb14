import { expect } from "chai";
import { KMSClient, DescribeKeyCommand, GetKeyRotationStatusCommand } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { SnapshotRecorder, SnapshotReplayer, REPLAY_CREDENTIALS } from "../../../../functions/shared/cspm/snapshot";

describe("snapshot record and replay", () => {
  it("replays recorded answers, dates and errors, offline", async () => {
    // Arrange: a "live" client answered by the mock, wrapped by the recorder.
    const live = new KMSClient({ region: "eu-west-1", credentials: REPLAY_CREDENTIALS });
    const mock = mockClient(live);
    const created = new Date("2024-05-01T10:00:00.000Z");
    mock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k1", CreationDate: created } });
    mock.on(GetKeyRotationStatusCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    const recorder = new SnapshotRecorder("kms-keys");
    recorder.record(live, "kms", "eu-west-1");
    await live.send(new DescribeKeyCommand({ KeyId: "k1" }));
    await live.send(new GetKeyRotationStatusCommand({ KeyId: "k1" })).catch(() => undefined);
    mock.restore();

    // Act: replay through a fresh client from the serialised file.
    const replayer = SnapshotReplayer.parse(JSON.stringify(recorder.snapshot()));
    const offline = replayer.replay(new KMSClient({ region: "eu-west-1", credentials: REPLAY_CREDENTIALS }), "kms", "eu-west-1");
    const described = await offline.send(new DescribeKeyCommand({ KeyId: "k1" }));
    const denied = await offline.send(new GetKeyRotationStatusCommand({ KeyId: "k1" })).catch((e: Error) => e);
    const missing = await offline.send(new DescribeKeyCommand({ KeyId: "other" })).catch((e: Error) => e);

    // Assert
    expect(described.KeyMetadata?.CreationDate).to.be.instanceOf(Date);
    expect(described.KeyMetadata?.CreationDate?.toISOString()).to.equal(created.toISOString());
    expect((denied as Error).name).to.equal("AccessDeniedException");
    expect((missing as Error).name).to.equal("SnapshotMiss");
  });

  it("rejects a file that is not a snapshot with a clear message", () => {
    expect(() => SnapshotReplayer.parse("{}", "x.json")).to.throw(/x.json is not a cspm-snapshot\/1 snapshot/);
    expect(() => SnapshotReplayer.parse("nope", "x.json")).to.throw(/not valid JSON/);
  });
});
