/** The checks that judge one configuration read each (no policy evaluation). */
import { expect } from "chai";
import { s3AccountLevelPublicAccessBlocks } from "../../../../../../functions/shared/cspm/s3/checks/s3-account-level-public-access-blocks";
import { s3BucketAclsDisabled } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-acls-disabled";
import { s3BucketCrossRegionReplication } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-cross-region-replication";
import { s3BucketEventNotificationsEnabled } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-event-notifications-enabled";
import { s3BucketKmsEncryption } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-kms-encryption";
import { s3BucketLevelPublicAccessBlock } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-level-public-access-block";
import { s3BucketLifecycleConfigured } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-lifecycle-configured";
import { s3BucketMfaDeleteEnabled } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-mfa-delete-enabled";
import { s3BucketObjectLockEnabled } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-object-lock-enabled";
import { s3BucketServerAccessLoggingEnabled } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-server-access-logging-enabled";
import { s3BucketVersioningEnabled } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-versioning-enabled";
import { BUCKET_CHECKS } from "../../../../../../functions/shared/cspm/s3/checks/index";
import { scanContext } from "../../../../../../functions/shared/cspm/s3/audit";
import { ALL_ON, account, bucket, denied, input, inventory, ok } from "../../../../s3-auditor/fixtures";

describe("S3 configuration checks", () => {
  it("a well-configured bucket passes every bucket check (MFA delete not applicable beside lifecycle rules)", () => {
    const results = BUCKET_CHECKS.map((c) => c.evaluate(input(bucket())));
    expect(results.filter((r) => r.status !== "PASSED").map((r) => `${r.checkId}: ${r.status}`)).to.deep.equal(["s3_bucket_mfa_delete_enabled: NOT_APPLICABLE"]);
  });

  it("every check answers NOT_AVAILABLE (never PASSED) when all its reads were denied", () => {
    const b = bucket("x", {
      policy: denied, policyStatus: denied, acl: denied, publicAccessBlock: denied, encryption: denied, versioning: denied, logging: denied,
      ownership: denied, objectLock: denied, lifecycle: denied, replication: denied, notifications: denied,
    });
    const results = BUCKET_CHECKS.map((c) => c.evaluate(input(b, { publicAccessBlock: denied })));
    for (const r of results) {
      expect(r.status, r.checkId).to.equal("NOT_AVAILABLE");
      expect(r.errorCode, r.checkId).to.equal("AccessDenied");
    }
  });

  describe("S3.1 / S3.8 Block Public Access", () => {
    it("S3.1 needs all four flags at the account level", () => {
      expect(s3AccountLevelPublicAccessBlocks.evaluate({ account: account() }).status).to.equal("PASSED");
      const three = s3AccountLevelPublicAccessBlocks.evaluate({ account: account({ publicAccessBlock: ok({ ...ALL_ON, RestrictPublicBuckets: false }) }) });
      expect(three.status).to.equal("FAILED");
      expect(three.details?.missingFlags).to.deep.equal(["RestrictPublicBuckets"]);
      expect(s3AccountLevelPublicAccessBlocks.evaluate({ account: account({ publicAccessBlock: ok(null) }) }).status).to.equal("FAILED");
      expect(s3AccountLevelPublicAccessBlocks.evaluate({ account: account({ publicAccessBlock: denied }) }).status).to.equal("NOT_AVAILABLE");
    });

    it("S3.8 fails without bucket-level flags even when the account compensates, and says so", () => {
      const r = s3BucketLevelPublicAccessBlock.evaluate(input(bucket("b", { publicAccessBlock: ok({ ...ALL_ON, IgnorePublicAcls: false }) })));
      expect(r.status).to.equal("FAILED");
      expect(r.reason).to.match(/IgnorePublicAcls off; the account-level settings block public access for now/);
      const bare = s3BucketLevelPublicAccessBlock.evaluate(input(bucket("b", { publicAccessBlock: ok(null) }), { publicAccessBlock: ok(null) }));
      expect(bare.details?.compensatedByAccount).to.equal(false);
    });
  });

  describe("S3.17 KMS encryption", () => {
    const enc = (SSEAlgorithm: string, KMSMasterKeyID?: string) => ok([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: SSEAlgorithm as "AES256", KMSMasterKeyID } }]);
    it("fails on SSE-S3, passes on SSE-KMS and DSSE-KMS", () => {
      expect(s3BucketKmsEncryption.evaluate(input(bucket("b", { encryption: enc("AES256") }))).status).to.equal("FAILED");
      expect(s3BucketKmsEncryption.evaluate(input(bucket("b", { encryption: enc("aws:kms") }))).reason).to.match(/SSE-KMS using the AWS managed key aws\/s3/);
      const dsse = s3BucketKmsEncryption.evaluate(input(bucket("b", { encryption: enc("aws:kms:dsse", "alias/data") })));
      expect(dsse.status).to.equal("PASSED");
      expect(dsse.reason).to.match(/DSSE-KMS using alias\/data/);
      expect(s3BucketKmsEncryption.evaluate(input(bucket("b", { encryption: ok(null) }))).status).to.equal("FAILED");
    });
  });

  describe("S3.14 versioning / S3.20 MFA delete", () => {
    it("versioning fails when suspended or never enabled", () => {
      expect(s3BucketVersioningEnabled.evaluate(input(bucket("b", { versioning: ok({ status: "Suspended", mfaDelete: false }) }))).reason).to.match(/suspended/);
      expect(s3BucketVersioningEnabled.evaluate(input(bucket("b", { versioning: ok({ mfaDelete: false }) }))).reason).to.match(/never enabled/);
    });

    it("MFA delete gives no finding for buckets with a lifecycle configuration", () => {
      const off = ok({ status: "Enabled", mfaDelete: false });
      expect(s3BucketMfaDeleteEnabled.evaluate(input(bucket("b", { versioning: off, lifecycle: ok(null) }))).status).to.equal("FAILED");
      expect(s3BucketMfaDeleteEnabled.evaluate(input(bucket("b", { versioning: ok({ status: "Enabled", mfaDelete: true }), lifecycle: ok(null) }))).status).to.equal("PASSED");
      expect(s3BucketMfaDeleteEnabled.evaluate(input(bucket("b", { versioning: off, lifecycle: ok([{ Status: "Enabled", ID: "x" }]) }))).status).to.equal("NOT_APPLICABLE");
      expect(s3BucketMfaDeleteEnabled.evaluate(input(bucket("b", { versioning: off, lifecycle: denied }))).status).to.equal("NOT_AVAILABLE");
    });
  });

  describe("S3.9 server access logging", () => {
    it("fails without logging, but not for a bucket other buckets log to", () => {
      const plain = bucket("plain", { logging: ok(null) });
      expect(s3BucketServerAccessLoggingEnabled.evaluate(input(plain)).status).to.equal("FAILED");
      const target = bucket("logs-bucket", { logging: ok(null) });
      const r = s3BucketServerAccessLoggingEnabled.evaluate(input(target, {}, [bucket("app")]));
      expect(r.status).to.equal("NOT_APPLICABLE");
      expect(r.reason).to.match(/access-log target of .*\bapp\b/);
    });
  });

  describe("S3.12 ACLs disabled", () => {
    it("passes only with BucketOwnerEnforced and names the grants an ACL makes", () => {
      const acl = ok({ ownerId: "owner", grants: [{ Grantee: { Type: "CanonicalUser" as const, ID: "owner" }, Permission: "FULL_CONTROL" as const }, { Grantee: { Type: "Group" as const, URI: "http://acs.amazonaws.com/groups/s3/LogDelivery" }, Permission: "WRITE" as const }] });
      const r = s3BucketAclsDisabled.evaluate(input(bucket("b", { ownership: ok("BucketOwnerPreferred"), acl })));
      expect(r.status).to.equal("FAILED");
      expect(r.reason).to.contain("LogDelivery:WRITE");
      expect(r.reason).not.to.contain("owner:");
      expect(s3BucketAclsDisabled.evaluate(input(bucket("b", { ownership: ok(null), acl }))).status).to.equal("FAILED");
    });
  });

  describe("S3.15 / S3.13 / S3.11", () => {
    it("object lock, lifecycle and notifications fail when absent or disabled", () => {
      expect(s3BucketObjectLockEnabled.evaluate(input(bucket("b", { objectLock: ok(null) }))).status).to.equal("FAILED");
      expect(s3BucketLifecycleConfigured.evaluate(input(bucket("b", { lifecycle: ok([{ Status: "Disabled", ID: "x" }]) }))).reason).to.match(/all are disabled/);
      expect(s3BucketLifecycleConfigured.evaluate(input(bucket("b", { lifecycle: ok([{ Status: "Enabled", ID: "x" }]) }))).status).to.equal("PASSED");
      expect(s3BucketEventNotificationsEnabled.evaluate(input(bucket("b", { notifications: ok({ topics: 0, queues: 0, lambdaFunctions: 0, eventBridge: false }) }))).status).to.equal("FAILED");
      expect(s3BucketEventNotificationsEnabled.evaluate(input(bucket("b", { notifications: ok({ topics: 0, queues: 2, lambdaFunctions: 0, eventBridge: false }) }))).reason).to.contain("2 SQS");
    });
  });

  describe("S3.7 cross-region replication", () => {
    const rep = (destination: string) => ok({ Role: "r", Rules: [{ Status: "Enabled" as const, Destination: { Bucket: `arn:aws:s3:::${destination}` } }] });
    it("passes to another region, fails within the region, warns when the destination is out of scope", () => {
      expect(s3BucketCrossRegionReplication.evaluate(input(bucket("b", { replication: rep("replica-bucket") }))).status).to.equal("PASSED");
      const sameRegion = bucket("twin", { replication: ok(null) });
      expect(s3BucketCrossRegionReplication.evaluate(input(bucket("b", { replication: rep("twin") }), {}, [sameRegion])).status).to.equal("FAILED");
      expect(s3BucketCrossRegionReplication.evaluate(input(bucket("b", { replication: rep("elsewhere") }))).status).to.equal("WARNING");
    });

    it("knows the region of a destination the account holds but the scan does not audit (region or --bucket scope)", () => {
      // A scan of eu-west-1: the destinations were listed by ListBuckets but not audited.
      const scan = (destination: string) => {
        const source = bucket("source", { region: "eu-west-1", replication: rep(destination) });
        const context = scanContext(inventory([source], {}, { "dr-us": "us-east-1", "twin-eu": "eu-west-1" }));
        return s3BucketCrossRegionReplication.evaluate({ bucket: source, context });
      };
      const passed = scan("dr-us");
      expect(passed.status).to.equal("PASSED");
      expect(passed.reason).to.contain("dr-us (us-east-1)");
      expect(scan("twin-eu").status).to.equal("FAILED");
      const foreign = scan("partner-archive");
      expect(foreign.status).to.equal("WARNING");
      expect(foreign.reason).to.match(/partner-archive is not a bucket of account 111122223333/);
      expect(foreign.details).to.deep.include({ destinations: ["partner-archive"], outsideAccount: ["partner-archive"] });
    });

    it("does not ask a replication destination to replicate", () => {
      const replica = bucket("replica-bucket", { region: "us-west-2", replication: ok(null) });
      const r = s3BucketCrossRegionReplication.evaluate(input(replica, {}, [bucket("source")]));
      expect(r.status).to.equal("NOT_APPLICABLE");
      expect(s3BucketCrossRegionReplication.evaluate(input(bucket("lonely", { replication: ok(null) }))).status).to.equal("FAILED");
    });
  });
});
