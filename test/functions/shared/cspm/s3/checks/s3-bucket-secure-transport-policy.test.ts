import { expect } from "chai";
import { s3BucketSecureTransportPolicy } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-secure-transport-policy";
import { bucket, denied, input, ok, policyOf } from "../../../../s3-auditor/fixtures";

const NAME = "tls";
const BOTH = [`arn:aws:s3:::${NAME}`, `arn:aws:s3:::${NAME}/*`];
const deny = (condition: object, extra: object = {}) => ({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: BOTH, Condition: condition, ...extra });
const run = (policy: ReturnType<typeof policyOf> | typeof denied | ReturnType<typeof ok<null>>) => s3BucketSecureTransportPolicy.evaluate(input(bucket(NAME, { policy })));

describe("s3_bucket_secure_transport_policy (S3.5)", () => {
  const spellings: [string, object][] = [
    ['Bool "false"', { Bool: { "aws:SecureTransport": "false" } }],
    ["Bool JSON false", { Bool: { "aws:SecureTransport": false } }],
    ['Bool ["false"]', { Bool: { "aws:SecureTransport": ["false"] } }],
    ['BoolIfExists "false"', { BoolIfExists: { "aws:SecureTransport": "false" } }],
    ['Bool "False", key in other case', { Bool: { "AWS:securetransport": "False" } }],
    ['StringNotEquals "true"', { StringNotEquals: { "aws:SecureTransport": "true" } }],
  ];
  for (const [label, condition] of spellings) {
    it(`passes for ${label}`, () => {
      expect(run(policyOf(deny(condition))).status).to.equal("PASSED");
    });
  }

  it('passes with {"AWS":"*"}, Action "*" and a Deny split across bucket and objects', () => {
    const cond = { Bool: { "aws:SecureTransport": "false" } };
    const r = run(policyOf(deny(cond, { Principal: { AWS: "*" }, Action: "*", Resource: BOTH[0] }), deny(cond, { Resource: BOTH[1] })));
    expect(r.status).to.equal("PASSED");
  });

  it("fails when the Deny covers only the objects", () => {
    const r = run(policyOf(deny({ Bool: { "aws:SecureTransport": "false" } }, { Resource: BOTH[1] })));
    expect(r.status).to.equal("FAILED");
    expect(r.reason).to.match(/does not cover the bucket/);
  });

  it("fails when the Deny covers only some actions or principals, or carries another condition", () => {
    const cond = { Bool: { "aws:SecureTransport": "false" } };
    expect(run(policyOf(deny(cond, { Action: ["s3:GetObject", "s3:PutObject"] }))).reason).to.match(/every S3 action/);
    expect(run(policyOf(deny(cond, { Action: "s3:Get*" }))).status).to.equal("FAILED");
    expect(run(policyOf(deny(cond, { Principal: { AWS: "arn:aws:iam::444455556666:root" } }))).reason).to.match(/every principal/);
    expect(run(policyOf(deny({ ...cond, StringEquals: { "aws:PrincipalAccount": "444455556666" } }))).reason).to.match(/other conditions/);
  });

  it("fails when the Deny leaves some objects out (NotResource, or a pattern that is not every key)", () => {
    const cond = { Bool: { "aws:SecureTransport": "false" } };
    const notResource = { Effect: "Deny", Principal: "*", Action: "s3:*", NotResource: `arn:aws:s3:::${NAME}/public/*`, Condition: cond };
    const r = run(policyOf(notResource));
    expect(r.status).to.equal("FAILED");
    expect(r.reason).to.match(/does not cover the objects/);
    expect(run(policyOf(deny(cond, { Resource: [BOTH[0], `arn:aws:s3:::${NAME}/zz*`] }))).status).to.equal("FAILED");
    expect(run(policyOf(deny(cond, { Resource: [BOTH[0], `arn:aws:s3:::${NAME}/*/*`] }))).status).to.equal("FAILED");
    // Patterns that do cover every key still pass.
    expect(run(policyOf(deny(cond, { Resource: `arn:aws:s3:::${NAME}*` }))).status).to.equal("PASSED");
    expect(run(policyOf(deny(cond, { Resource: "*" }))).status).to.equal("PASSED");
  });

  it("fails for StringEquals on a value that is not exactly \"false\" (StringEquals is case-sensitive; the key's value is \"false\")", () => {
    expect(run(policyOf(deny({ StringEquals: { "aws:SecureTransport": "false" } }))).status).to.equal("PASSED");
    expect(run(policyOf(deny({ StringEquals: { "aws:SecureTransport": "False" } }))).status).to.equal("FAILED");
    expect(run(policyOf(deny({ StringEqualsIgnoreCase: { "aws:SecureTransport": "FALSE" } }))).status).to.equal("PASSED");
  });

  it('fails a StringEquals "False" Deny as one that never applies, even when it covers everything', () => {
    for (const value of ["False", "FALSE", ["False"]]) {
      const r = run(policyOf(deny({ StringEquals: { "aws:SecureTransport": value } }, { Sid: "TlsOnly" })));
      expect(r.status, JSON.stringify(value)).to.equal("FAILED");
      expect(r.reason).to.contain('"TlsOnly" (#0) never applies');
      expect(r.details).to.deep.equal({ statements: [0] });
    }
    // Beside a Deny that works, the dead one does not matter.
    expect(run(policyOf(deny({ StringEquals: { "aws:SecureTransport": "False" } }), deny({ Bool: { "aws:SecureTransport": "false" } }))).status).to.equal("PASSED");
    // A Deny without the near-miss says nothing about one.
    expect(run(policyOf(deny({ Bool: { "aws:SecureTransport": "true" } }))).reason).not.to.contain("never applies");
  });

  it("fails for a true value, an Allow, or no policy; NOT_AVAILABLE when the policy cannot be read", () => {
    expect(run(policyOf(deny({ Bool: { "aws:SecureTransport": "true" } }))).status).to.equal("FAILED");
    expect(run(policyOf({ ...deny({ Bool: { "aws:SecureTransport": "true" } }), Effect: "Allow" })).status).to.equal("FAILED");
    expect(run(ok(null)).status).to.equal("FAILED");
    const na = run(denied);
    expect(na.status).to.equal("NOT_AVAILABLE");
    expect(na.errorCode).to.equal("AccessDenied");
  });
});
