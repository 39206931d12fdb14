import { expect } from "chai";
import { s3BucketCrossAccountAccess } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-cross-account-access";
import { OTHER, OWNER, bucket, input, policyOf } from "../../../../s3-auditor/fixtures";

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

  it("fails when anyone in the organisation (or behind a VPC endpoint) may control the bucket: those callers include other accounts", () => {
    const orgPinned = allow("*", "s3:PutBucketPolicy");
    const r = run({ ...orgPinned, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } });
    expect(r.status).to.equal("FAILED");
    expect(r.reason).to.match(/s3:PutBucketPolicy/);
    expect(run({ ...allow("*", "s3:PutObjectAcl", `arn:aws:s3:::${NAME}/*`), Condition: { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c" } } }).status).to.equal("FAILED");
    const orgGuard = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${NAME}`, `arn:aws:s3:::${NAME}/*`], Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-abc123" } } };
    expect(run(allow("*", "s3:PutBucketPolicy"), orgGuard).status).to.equal("FAILED");
  });

  it("passes when an Allow to anyone is pinned or guarded to the owner account, or the org grant is data access only", () => {
    expect(run({ ...allow("*", "s3:PutBucketPolicy"), Condition: { StringEquals: { "aws:PrincipalAccount": OWNER } } }).status).to.equal("PASSED");
    const ownerGuard = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `arn:aws:s3:::${NAME}`, Condition: { StringNotEquals: { "aws:PrincipalAccount": OWNER } } };
    expect(run(allow("*", "s3:PutBucketPolicy"), ownerGuard).status).to.equal("PASSED");
    const denyAll = { Effect: "Deny", Principal: "*", Action: "s3:PutBucketPolicy", Resource: `arn:aws:s3:::${NAME}` };
    expect(run({ ...allow("*", "s3:PutBucketPolicy"), Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } }, denyAll).status).to.equal("PASSED");
    expect(run({ ...allow("*", "s3:GetObject", `arn:aws:s3:::${NAME}/*`), Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } }).status).to.equal("PASSED");
  });

  it("fails when anyone may rewrite object ACLs", () => {
    expect(run(allow("*", "s3:PutObjectAcl", `arn:aws:s3:::${NAME}/*`)).status).to.equal("FAILED");
  });
});
