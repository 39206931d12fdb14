import { expect } from "chai";
import { SecureKmsKey } from "../../../stacks/constructs/kms-key";
import { PrivateBucket } from "../../../stacks/constructs/private-bucket";
import { only, resources, statements, synthScope } from "../../support/synth";

describe("PrivateBucket construct", () => {
  const out = synthScope((scope) => {
    const kmsKey = new SecureKmsKey(scope, "key", { description: "d", alias: "a", accountId: "111111111111", region: "eu-west-1" });
    new PrivateBucket(scope, "bucket", { bucketName: "data", kmsKey, accessLogBucket: "logs" });
  });

  it("blocks every form of public access and disables ACLs", () => {
    expect(only(out, "aws_s3_bucket_public_access_block")).to.include({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(only(out, "aws_s3_bucket_ownership_controls").rule.object_ownership).to.equal("BucketOwnerEnforced");
    expect(only(out, "aws_s3_bucket").force_destroy).to.equal(false);
  });

  it("encrypts with the KMS key, versions objects and logs access", () => {
    const rule = only(out, "aws_s3_bucket_server_side_encryption_configuration").rule[0];
    expect(rule.apply_server_side_encryption_by_default.sse_algorithm).to.equal("aws:kms");
    expect(rule.apply_server_side_encryption_by_default.kms_master_key_id).to.match(/aws_kms_key\./);
    expect(only(out, "aws_s3_bucket_versioning").versioning_configuration.status).to.equal("Enabled");
    expect(only(out, "aws_s3_bucket_logging")).to.include({ target_bucket: "logs", target_prefix: "data/" });
  });

  it("expires noncurrent versions and abandoned uploads", () => {
    const [rule] = only(out, "aws_s3_bucket_lifecycle_configuration").rule;
    expect(rule.status).to.equal("Enabled");
    expect(rule.noncurrent_version_expiration[0].noncurrent_days).to.equal(90);
    expect(rule.abort_incomplete_multipart_upload[0].days_after_initiation).to.equal(7);
  });

  it("states why a bucket has no access logs in a tag", () => {
    const reasoned = synthScope((scope) => {
      const kmsKey = new SecureKmsKey(scope, "key", { description: "d", alias: "a", accountId: "111111111111", region: "eu-west-1" });
      new PrivateBucket(scope, "bucket", { bucketName: "logs", kmsKey, noAccessLogsReason: "it is the access-log bucket" });
    });
    expect(only(reasoned, "aws_s3_bucket").tags).to.deep.equal({ "access-logs-not-needed-because": "it is the access-log bucket" });
  });

  it("denies every request without TLS, on the bucket and its objects", () => {
    const [deny] = statements(only(out, "aws_s3_bucket_policy").policy);
    expect(deny).to.deep.include({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(deny.Resource).to.have.length(2);
    expect(deny.Resource[1]).to.match(/\/\*$/);
  });

  it("adds no access logging unless asked", () => {
    const plain = synthScope((scope) => {
      const kmsKey = new SecureKmsKey(scope, "key", { description: "d", alias: "a", accountId: "111111111111", region: "eu-west-1" });
      new PrivateBucket(scope, "bucket", { bucketName: "data", kmsKey });
    });
    expect(resources(plain, "aws_s3_bucket_logging")).to.have.length(0);
  });
});
