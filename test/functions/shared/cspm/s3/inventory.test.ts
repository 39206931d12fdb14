import { expect } from "chai";
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type AwsStub, mockClient } from "aws-sdk-client-mock";
import { auditBuckets } from "../../../../../functions/shared/cspm/s3/audit";
import { type InventoryDeps, fetchInventory } from "../../../../../functions/shared/cspm/s3/inventory";
import { REPLAY_CREDENTIALS } from "../../../../../functions/shared/cspm/snapshot";

const awsError = (name: string, httpStatusCode = 400) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode } });

describe("S3 inventory", () => {
  let s3: AwsStub<any, any, any>;
  let control: AwsStub<any, any, any>;
  let sts: AwsStub<any, any, any>;
  let regionsAsked: string[];

  function deps(): InventoryDeps {
    return {
      homeRegion: "us-east-1",
      s3: (region) => {
        regionsAsked.push(region);
        return new S3Client({ region, credentials: REPLAY_CREDENTIALS });
      },
      s3Control: (region) => new S3ControlClient({ region, credentials: REPLAY_CREDENTIALS }),
      sts: (region) => new STSClient({ region, credentials: REPLAY_CREDENTIALS }),
    };
  }

  beforeEach(() => {
    regionsAsked = [];
    s3 = mockClient(S3Client);
    control = mockClient(S3ControlClient);
    sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).resolves({ Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/auditor" });
    control.on(GetAccountPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
    // Every per-bucket read answers "empty" unless a test says otherwise.
    s3.onAnyCommand().resolves({});
    s3.on(GetBucketPolicyCommand).rejects(awsError("NoSuchBucketPolicy", 404));
    s3.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } });
    s3.on(GetPublicAccessBlockCommand).rejects(awsError("NoSuchPublicAccessBlockConfiguration", 404));
    s3.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } });
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "only", BucketRegion: "eu-west-1" }] });
  });

  afterEach(() => {
    s3.restore();
    control.restore();
    sts.restore();
  });

  it("pages through ListBuckets with MaxBuckets and uses the region each entry carries", async () => {
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "a", BucketRegion: "eu-west-1" }, { Name: "b", BucketRegion: "us-west-2" }], ContinuationToken: "page-2" });
    s3.on(ListBucketsCommand, { ContinuationToken: "page-2" }).resolves({ Buckets: [{ Name: "c", BucketRegion: "eu-west-1" }] });

    const inv = await fetchInventory(deps());

    expect(inv.buckets.map((b) => [b.name, b.region])).to.deep.equal([["a", "eu-west-1"], ["b", "us-west-2"], ["c", "eu-west-1"]]);
    const listCalls = s3.commandCalls(ListBucketsCommand);
    expect(listCalls).to.have.length(2);
    expect(listCalls[0]!.args[0].input).to.include({ MaxBuckets: 1000 });
    expect(s3.commandCalls(GetBucketLocationCommand)).to.have.length(0);
    expect([...new Set(regionsAsked)].sort()).to.deep.equal(["eu-west-1", "us-east-1", "us-west-2"]);
    expect(inv.account).to.include({ accountId: "111122223333", partition: "aws" });
    expect(control.commandCalls(GetAccountPublicAccessBlockCommand)[0]!.args[0].input).to.deep.equal({ AccountId: "111122223333" });
  });

  it("falls back to GetBucketLocation only when ListBuckets gives no region", async () => {
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "legacy" }] });
    s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "EU" as never });
    const inv = await fetchInventory(deps());
    expect(inv.buckets[0]!.region).to.equal("eu-west-1");
  });

  it("treats 'no configuration' answers as values and skips calls that cannot matter", async () => {
    const inv = await fetchInventory(deps());
    const b = inv.buckets[0]!;
    expect(b.policy).to.deep.equal({ ok: true, value: null });
    expect(b.publicAccessBlock).to.deep.equal({ ok: true, value: null });
    expect(b.acl).to.deep.equal({ ok: true, value: null });
    // No policy → no policy status; BucketOwnerEnforced → no ACL read.
    expect(s3.commandCalls(GetBucketPolicyStatusCommand)).to.have.length(0);
    expect(s3.commandCalls(GetBucketAclCommand)).to.have.length(0);
    // STS + S3 Control + ListBuckets + 10 bucket reads.
    expect(inv.apiCalls).to.equal(13);
  });

  it("reads policy status and the ACL when there is a policy and ACLs are in force", async () => {
    s3.on(GetBucketPolicyCommand).resolves({ Policy: '{"Statement":[]}' });
    s3.on(GetBucketPolicyStatusCommand).resolves({ PolicyStatus: { IsPublic: true } });
    s3.on(GetBucketOwnershipControlsCommand).rejects(awsError("OwnershipControlsNotFoundError", 404));
    s3.on(GetBucketAclCommand).resolves({ Owner: { ID: "me" }, Grants: [{ Grantee: { Type: "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers" }, Permission: "READ" }] });
    const b = (await fetchInventory(deps())).buckets[0]!;
    expect(b.policyStatus).to.deep.equal({ ok: true, value: true });
    expect(b.acl.ok && b.acl.value?.grants).to.have.length(1);
  });

  it("leaves retries to the SDK client: a read still throttled is one call, failed for that call only", async () => {
    // aws-sdk-client-mock replaces send(), so this is the answer after the SDK's own retries.
    s3.on(GetBucketVersioningCommand).rejects(awsError("SlowDown", 503));
    const inv = await fetchInventory(deps());
    expect(inv.buckets[0]!.versioning).to.include({ ok: false, errorCode: "SlowDown" });
    expect(s3.commandCalls(GetBucketVersioningCommand)).to.have.length(1);
    expect(inv.buckets[0]!.encryption.ok).to.equal(true);
  });

  it("skips a bucket deleted mid-scan and reports it", async () => {
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "kept", BucketRegion: "eu-west-1" }, { Name: "gone", BucketRegion: "eu-west-1" }] });
    s3.on(GetBucketVersioningCommand, { Bucket: "gone" }).rejects(awsError("NoSuchBucket", 404));
    const report = await auditBuckets(deps());
    expect(report.buckets.map((b) => b.bucket)).to.deep.equal(["kept"]);
    expect(report.deletedBuckets).to.deep.equal(["gone"]);
    expect(report.errors).to.deep.equal([]);
  });

  it("turns AccessDenied on one call into NOT_AVAILABLE for the checks that needed it, and only those", async () => {
    s3.on(GetBucketEncryptionCommand).rejects(awsError("AccessDenied", 403));
    const report = await auditBuckets(deps());
    const results = report.buckets[0]!.results;
    const unavailable = results.filter((r) => r.status === "NOT_AVAILABLE");
    expect(unavailable.map((r) => [r.checkId, r.errorCode])).to.deep.equal([
      ["s3_bucket_kms_encryption", "AccessDenied"],
      ["s3_bucket_sse_c_blocked", "AccessDenied"],
    ]);
    expect(s3.commandCalls(GetBucketEncryptionCommand)).to.have.length(1); // AccessDenied is not retried
  });

  it("audits named buckets from the one account listing and reports names it cannot find", async () => {
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "app", BucketRegion: "eu-west-1" }, { Name: "app-logs", BucketRegion: "eu-west-1" }, { Name: "dr", BucketRegion: "us-east-1" }] });
    const inv = await fetchInventory(deps(), { buckets: ["app", "nope"] });
    expect(inv.buckets.map((b) => b.name)).to.deep.equal(["app"]);
    expect(inv.deletedBuckets).to.deep.equal(["nope"]);
    const listCalls = s3.commandCalls(ListBucketsCommand);
    expect(listCalls).to.have.length(1);
    expect(listCalls[0]!.args[0].input).to.deep.equal({ MaxBuckets: 1000, ContinuationToken: undefined });
    // Every bucket of the account keeps its region, audited or not.
    expect([...inv.bucketRegions.entries()].sort()).to.deep.equal([["app", "eu-west-1"], ["app-logs", "eu-west-1"], ["dr", "us-east-1"]]);
  });

  it("does not report a named bucket outside the --region scope as deleted", async () => {
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "app", BucketRegion: "eu-west-1" }] });
    const inv = await fetchInventory(deps(), { buckets: ["app"], region: "us-west-2" });
    expect(inv.buckets).to.deep.equal([]);
    expect(inv.deletedBuckets).to.deep.equal([]);
    const inScope = await fetchInventory(deps(), { buckets: ["app"], region: "eu-west-1" });
    expect(inScope.buckets.map((b) => b.name)).to.deep.equal(["app"]);
  });

  it("with --region, lists the whole account (no BucketRegion filter), audits that region only and keeps every bucket's region", async () => {
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "eu", BucketRegion: "eu-west-1" }, { Name: "us", BucketRegion: "us-east-1" }] });
    const progress: [number, number][] = [];
    const inv = await fetchInventory(deps(), { region: "eu-west-1", onProgress: (done, total) => progress.push([done, total]) });
    expect(inv.buckets.map((b) => b.name)).to.deep.equal(["eu"]);
    expect(inv.bucketRegions.get("us")).to.equal("us-east-1");
    const listCalls = s3.commandCalls(ListBucketsCommand);
    expect(listCalls).to.have.length(1);
    expect(listCalls[0]!.args[0].input).to.deep.equal({ MaxBuckets: 1000, ContinuationToken: undefined });
    expect(s3.commandCalls(GetBucketVersioningCommand).map((c) => c.args[0].input.Bucket)).to.deep.equal(["eu"]);
    expect(progress).to.deep.equal([[1, 1]]); // out-of-scope buckets are not counted as work
  });

  it("audits several regions from one account listing", async () => {
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "eu", BucketRegion: "eu-west-1" }, { Name: "us", BucketRegion: "us-east-1" }, { Name: "ap", BucketRegion: "ap-southeast-2" }] });
    const inv = await fetchInventory(deps(), { regions: ["eu-west-1", "us-east-1"] });
    expect(inv.buckets.map((b) => b.name).sort()).to.deep.equal(["eu", "us"]);
    expect(s3.commandCalls(ListBucketsCommand)).to.have.length(1);
    const report = await auditBuckets(deps(), { regions: ["us-east-1", "eu-west-1"] });
    expect(report.scope).to.deep.equal({ regions: ["eu-west-1", "us-east-1"] });
  });

  describe("S3.7 with a --region scope sees replication destinations in other regions", () => {
    const replicatingTo = (destination: string) => ({ ReplicationConfiguration: { Role: "arn:aws:iam::111122223333:role/r", Rules: [{ Status: "Enabled" as const, Destination: { Bucket: `arn:aws:s3:::${destination}` } }] } });
    const s37 = async (destination: string) => {
      s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: "source", BucketRegion: "eu-west-1" }, { Name: "dr-us", BucketRegion: "us-east-1" }, { Name: "twin-eu", BucketRegion: "eu-west-1" }] });
      s3.on(GetBucketReplicationCommand).rejects(awsError("ReplicationConfigurationNotFoundError", 404));
      s3.on(GetBucketReplicationCommand, { Bucket: "source" }).resolves(replicatingTo(destination));
      const report = await auditBuckets(deps(), { region: "eu-west-1" });
      return report.buckets.find((b) => b.bucket === "source")!.results.find((r) => r.checkId === "s3_bucket_cross_region_replication")!;
    };

    it("PASSED for a destination in us-east-1 of the same account, out of the scan's scope", async () => {
      const r = await s37("dr-us");
      expect(r.status, r.reason).to.equal("PASSED");
      expect(r.reason).to.contain("dr-us (us-east-1)");
      // The destination was only looked up, not audited.
      expect(s3.commandCalls(GetBucketVersioningCommand).map((c) => c.args[0].input.Bucket).sort()).to.deep.equal(["source", "twin-eu"]);
    });

    it("FAILED for a destination in the same region", async () => {
      expect((await s37("twin-eu")).status).to.equal("FAILED");
    });

    it("WARNING, saying it is not this account's bucket, for a destination the account listing does not hold", async () => {
      const r = await s37("partner-archive");
      expect(r.status).to.equal("WARNING");
      expect(r.reason).to.match(/partner-archive/).and.to.match(/not a bucket of account 111122223333/);
    });
  });

  it("never has more calls in flight than the concurrency setting", async () => {
    s3.on(ListBucketsCommand).resolves({ Buckets: Array.from({ length: 20 }, (_, i) => ({ Name: `b${i}`, BucketRegion: "eu-west-1" })) });
    let inFlight = 0;
    let peak = 0;
    s3.on(GetBucketVersioningCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return { Status: "Enabled" };
    });
    const progress: number[] = [];
    const inv = await fetchInventory(deps(), { concurrency: 3, onProgress: (done) => progress.push(done) });
    expect(inv.buckets).to.have.length(20);
    expect(peak).to.equal(3);
    expect(progress).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("fails with the cause when ListBuckets is denied", async () => {
    s3.on(ListBucketsCommand).rejects(awsError("AccessDenied", 403));
    const error = await fetchInventory(deps()).catch((e: Error) => e);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/Cannot list buckets \(s3:ListAllMyBuckets\)/);
  });
});
