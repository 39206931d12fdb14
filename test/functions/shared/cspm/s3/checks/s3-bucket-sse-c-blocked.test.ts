import { Readable } from "node:stream";
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { GetBucketEncryptionCommand, GetBucketOwnershipControlsCommand, ListBucketsCommand, S3Client, type ServerSideEncryptionRule } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { HttpResponse } from "@smithy/protocol-http";
import { s3BucketSseCBlocked, sseCState } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-sse-c-blocked";
import { type BucketInventory, fetchInventory } from "../../../../../../functions/shared/cspm/s3/inventory";
import { REPLAY_CREDENTIALS } from "../../../../../../functions/shared/cspm/snapshot";
import { bucket, denied, input, ok } from "../../../../s3-auditor/fixtures";

const KMS: ServerSideEncryptionRule = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "arn:aws:kms:eu-west-1:111122223333:key/k1" }, BucketKeyEnabled: true };
const run = (encryption: BucketInventory["encryption"]) => s3BucketSseCBlocked.evaluate(input(bucket("b", { encryption })));

describe("s3_bucket_sse_c_blocked", () => {
  it("passes when BlockedEncryptionTypes lists SSE-C", () => {
    const r = run(ok([{ ...KMS, BlockedEncryptionTypes: { EncryptionType: ["SSE-C"] } }]));
    expect(r.status).to.equal("PASSED");
  });

  it("fails when the rule has no BlockedEncryptionTypes, an empty list or NONE, or there is no configuration", () => {
    for (const rule of [KMS, { ...KMS, BlockedEncryptionTypes: {} }, { ...KMS, BlockedEncryptionTypes: { EncryptionType: [] } }, { ...KMS, BlockedEncryptionTypes: { EncryptionType: ["NONE"] } }]) {
      const r = run(ok([rule as never]));
      expect(r.status, JSON.stringify(rule)).to.equal("FAILED");
      expect(r.reason).to.contain("accepts uploads encrypted with SSE-C");
    }
    expect(run(ok(null)).status).to.equal("FAILED");
    expect(run(ok([])).status).to.equal("FAILED");
  });

  it("is NOT_AVAILABLE, never a pass, when the configuration or the field cannot be read", () => {
    const na = run(denied);
    expect([na.status, na.errorCode]).to.deep.equal(["NOT_AVAILABLE", "AccessDenied"]);
    for (const field of ["SSE-C", ["SSE-C"], { EncryptionType: [42] }, { EncryptionType: { nested: "SSE-C" } }]) {
      const r = run(ok([{ ...KMS, BlockedEncryptionTypes: field } as never]));
      expect([r.status, r.errorCode], JSON.stringify(field)).to.deep.equal(["NOT_AVAILABLE", "UnreadableBlockedEncryptionTypes"]);
    }
  });

  it("reads the raw field defensively", () => {
    expect(sseCState({ BlockedEncryptionTypes: { EncryptionType: "SSE-C" } })).to.equal("blocked");
    expect(sseCState({ BlockedEncryptionTypes: { EncryptionType: ["NONE", "SSE-C"] } })).to.equal("blocked");
    expect(sseCState({ BlockedEncryptionTypes: null })).to.equal("accepted");
    expect(sseCState(null)).to.equal("unreadable");
    expect(sseCState("rule")).to.equal("unreadable");
  });

  it("gets the field from S3's XML through the pinned SDK's deserializer and the inventory", async () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>' +
      "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:eu-west-1:111122223333:key/k1</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>" +
      "<BucketKeyEnabled>true</BucketKeyEnabled><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>";
    const real = new S3Client({
      region: "eu-west-1",
      credentials: REPLAY_CREDENTIALS,
      requestHandler: { handle: async () => ({ response: new HttpResponse({ statusCode: 200, headers: { "content-type": "application/xml" }, body: Readable.from([Buffer.from(xml)]) }) }) },
    });
    const parsed = await real.send(new GetBucketEncryptionCommand({ Bucket: "b" }));
    expect(parsed.ServerSideEncryptionConfiguration?.Rules?.[0]?.BlockedEncryptionTypes).to.deep.equal({ EncryptionType: ["SSE-C"] });

    // The inventory keeps the rule whole, so the check sees what the SDK parsed.
    const s3 = mockClient(S3Client);
    const sts = mockClient(STSClient);
    const control = mockClient(S3ControlClient);
    try {
      s3.onAnyCommand().resolves({});
      s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "b", BucketRegion: "eu-west-1" }] });
      s3.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } });
      s3.on(GetBucketEncryptionCommand).resolves(parsed);
      sts.on(GetCallerIdentityCommand).resolves({ Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/auditor" });
      control.onAnyCommand().resolves({});
      const inv = await fetchInventory({
        homeRegion: "eu-west-1",
        s3: (region) => new S3Client({ region, credentials: REPLAY_CREDENTIALS }),
        s3Control: (region) => new S3ControlClient({ region, credentials: REPLAY_CREDENTIALS }),
        sts: (region) => new STSClient({ region, credentials: REPLAY_CREDENTIALS }),
      });
      expect(s3BucketSseCBlocked.evaluate(input(inv.buckets[0]!)).status).to.equal("PASSED");
    } finally {
      s3.restore();
      sts.restore();
      control.restore();
    }
  });
});
