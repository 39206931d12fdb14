import { expect } from "chai";
import { s3BucketCrossAccountAccess } from "../../../../functions/s3-auditor/checks/s3-bucket-cross-account-access";
import { OTHER, OWNER, bucket, input, policyOf } from "../fixtures";

const NAME = "shared";
const run = (...statements: object[]) => s3BucketCrossAccountAccess.evaluate(input(bucket(NAME, { policy: policyOf(...statements) })));
const allow = (principal: unknown, action: string | string[], resource = `arn:aws:s3:::${NAME}`) => ({ Effect: "Allow", Principal: principal, Action: action, Resource: resource });

describe("s3_bucket_cross_account_access (S3.6)", () => {
  it("fails when another account may change the bucket policy", () => {
    const r = run(allow({ AWS: `arn:aws:iam::${OTHER}:role/admin` }, "s3:PutBucketPolicy"));
    expect(r.status).to.equal("FAILED");
    expect(r.reason).to.contain(`account ${OTHER} may s3:PutBucketPolicy`);
  });

  it("passes for read access by another account, and lists it", () => {
    const r = run(allow({ AWS: OTHER }, "s3:GetObject", `arn:aws:s3:::${NAME}/*`));
    expect(r.status).to.equal("PASSED");
    expect(r.reason).to.contain(`${OTHER} (s3:GetObject)`);
  });

  it("passes when the owner account holds the grant, or a Deny removes it", () => {
    expect(run(allow({ AWS: `arn:aws:iam::${OWNER}:root` }, "s3:*")).status).to.equal("PASSED");
    const deny = { Effect: "Deny", Principal: { AWS: OTHER }, Action: "s3:PutBucketPolicy", Resource: `arn:aws:s3:::${NAME}` };
    expect(run(allow({ AWS: OTHER }, "s3:PutBucketPolicy"), deny).status).to.equal("PASSED");
  });

  it("fails when anyone may rewrite object ACLs", () => {
    expect(run(allow("*", "s3:PutObjectAcl", `arn:aws:s3:::${NAME}/*`)).status).to.equal("FAILED");
  });
});
