import { expect } from "chai";
import { s3BucketPublicWrite } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-public-write";
import { ALL_OFF, bucket, input, ok, policyOf } from "../../../../s3-auditor/fixtures";

const NAME = "uploads";
function run(overrides: Parameters<typeof bucket>[1]) {
  return s3BucketPublicWrite.evaluate(input(bucket(NAME, { publicAccessBlock: ok(ALL_OFF), ...overrides }), { publicAccessBlock: ok(ALL_OFF) }));
}

describe("s3_bucket_public_write (S3.3)", () => {
  it("fails for a public PutObject and passes for a public GetObject", () => {
    const put = run({ policy: policyOf({ Effect: "Allow", Principal: "*", Action: "s3:PutObject", Resource: `arn:aws:s3:::${NAME}/*` }) });
    const get = run({ policy: policyOf({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${NAME}/*` }) });
    expect(put.status).to.equal("FAILED");
    expect(get.status).to.equal("PASSED");
  });

  it("fails for a NotAction Allow to anyone that excludes only reads", () => {
    const r = run({ policy: policyOf({ Effect: "Allow", Principal: "*", NotAction: "s3:Get*", Resource: [`arn:aws:s3:::${NAME}`, `arn:aws:s3:::${NAME}/*`] }) });
    expect(r.status).to.equal("FAILED");
    expect(r.reason).to.match(/s3:PutObject/);
  });

  it("fails for ACL WRITE to AllUsers, passes once IgnorePublicAcls is on", () => {
    const acl = ok({ ownerId: "o", grants: [{ Grantee: { Type: "Group" as const, URI: "http://acs.amazonaws.com/groups/global/AllUsers" }, Permission: "WRITE" as const }] });
    expect(run({ ownership: ok("ObjectWriter"), acl }).status).to.equal("FAILED");
    expect(run({ ownership: ok("ObjectWriter"), acl, publicAccessBlock: ok({ ...ALL_OFF, IgnorePublicAcls: true }) }).status).to.equal("PASSED");
  });
});
