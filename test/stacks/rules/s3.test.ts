import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { expect } from "chai";
import { PrivateBucket, NO_ACCESS_LOGS_TAG as CONSTRUCT_TAG } from "../../../stacks/constructs/private-bucket";
import publicAccessBlocked from "../../../stacks/rules/s3-bucket-public-access-blocked";
import tlsOnly from "../../../stacks/rules/s3-bucket-tls-only-policy";
import kmsEncrypted from "../../../stacks/rules/s3-bucket-kms-encrypted";
import versioning from "../../../stacks/rules/s3-bucket-versioning-enabled";
import accessLogged, { NO_ACCESS_LOGS_TAG } from "../../../stacks/rules/s3-bucket-access-logged";
import lifecycle from "../../../stacks/rules/s3-bucket-lifecycle-configured";
import { expectStatus, judge, stackKey } from "./support";

const privateBucket = (rule: Parameters<typeof judge>[0], extra: Partial<ConstructorParameters<typeof PrivateBucket>[2]> = {}) =>
  judge(rule, (scope) => new PrivateBucket(scope, "bucket", { bucketName: "data", kmsKey: stackKey(scope), accessLogBucket: "logs", ...extra }));
const bareBucket = (rule: Parameters<typeof judge>[0]) => judge(rule, (scope) => new S3Bucket(scope, "bare", { bucket: "bare" }));

describe("S3 rules", () => {
  for (const rule of [publicAccessBlocked, tlsOnly, kmsEncrypted, versioning, accessLogged, lifecycle]) {
    it(`${rule.id}: a PrivateBucket complies, a bare bucket does not`, () => {
      expectStatus(privateBucket(rule), "bucket/this", "compliant");
      expectStatus(bareBucket(rule), "bare", "non-compliant");
    });
  }

  it("s3-bucket-public-access-blocked names the flags left off", () => {
    const findings = judge(publicAccessBlocked, (scope) => {
      const b = new S3Bucket(scope, "b", { bucket: "b" });
      new S3BucketPublicAccessBlock(scope, "pab", { bucket: b.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: false });
    });
    expectStatus(findings, "b", "non-compliant", "restrict_public_buckets");
  });

  it("s3-bucket-tls-only-policy wants the Deny on both the bucket and its objects", () => {
    const findings = judge(tlsOnly, (scope) => {
      const b = new S3Bucket(scope, "b", { bucket: "b" });
      const policy = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `${b.arn}/*`, Condition: { Bool: { "aws:SecureTransport": "false" } } }] };
      new S3BucketPolicy(scope, "p", { bucket: b.id, policy: JSON.stringify(policy) });
    });
    expectStatus(findings, "b", "non-compliant", "both the bucket ARN");
  });

  it("s3-bucket-kms-encrypted refuses SSE-S3 and the AWS-managed key", () => {
    for (const rule of [{ sseAlgorithm: "AES256" }, { sseAlgorithm: "aws:kms", kmsMasterKeyId: "alias/aws/s3" }]) {
      const findings = judge(kmsEncrypted, (scope) => {
        const b = new S3Bucket(scope, "b", { bucket: "b" });
        new S3BucketServerSideEncryptionConfigurationA(scope, "sse", { bucket: b.id, rule: [{ applyServerSideEncryptionByDefault: rule }] });
      });
      expectStatus(findings, "b", "non-compliant", "customer-managed key");
    }
  });

  it("s3-bucket-access-logged accepts a log-target bucket and a stated reason instead of logging", () => {
    const target = judge(accessLogged, (scope) => {
      const logs = new S3Bucket(scope, "logs", { bucket: "logs" });
      const data = new S3Bucket(scope, "data", { bucket: "data" });
      new S3BucketLoggingA(scope, "logging", { bucket: data.id, targetBucket: logs.id, targetPrefix: "data/" });
    });
    expectStatus(target, "logs", "compliant", "receives other buckets' access logs");
    expectStatus(target, "data", "compliant");
    const reasoned = judge(accessLogged, (scope) => new PrivateBucket(scope, "bucket", { bucketName: "d", kmsKey: stackKey(scope), noAccessLogsReason: "holds only public release artefacts" }));
    expectStatus(reasoned, "bucket/this", "compliant", "because holds only public release artefacts");
    expect(CONSTRUCT_TAG).to.equal(NO_ACCESS_LOGS_TAG);
  });
});
