import { expect } from "chai";
import { s3BucketPublicRead } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-public-read";
import type { PublicAccessBlockFlags } from "../../../../../../functions/shared/cspm/s3/inventory";
import { ALL_OFF, ALL_ON, OTHER, bucket, denied, input, ok, policyOf, tlsPolicy } from "../../../../s3-auditor/fixtures";

const NAME = "data";
const open = { publicAccessBlock: ok(ALL_OFF) };
const accountOpen = { publicAccessBlock: ok<PublicAccessBlockFlags | null>(ALL_OFF) };
const publicGet = (principal: unknown, extra: object = {}) => ({ Sid: "Public", Effect: "Allow", Principal: principal, Action: "s3:GetObject", Resource: `arn:aws:s3:::${NAME}/*`, ...extra });

function run(overrides: Parameters<typeof bucket>[1], accountOverrides: Parameters<typeof input>[1] = accountOpen) {
  return s3BucketPublicRead.evaluate(input(bucket(NAME, { ...open, ...overrides }), accountOverrides));
}

describe("s3_bucket_public_read (S3.2)", () => {
  it("fails for Principal * without a condition", () => {
    const r = run({ policy: policyOf(publicGet("*")), policyStatus: ok(true) });
    expect(r.status).to.equal("FAILED");
    expect(r.reason).to.match(/"Public" \(#0\) allows \* s3:GetObject/);
    expect(r.reason).not.to.match(/policy status/);
  });

  it("passes for Principal * pinned by aws:SourceVpce or aws:PrincipalOrgID", () => {
    const vpce = run({ policy: policyOf(publicGet("*", { Condition: { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c" } } })) });
    const org = run({ policy: policyOf(publicGet("*", { Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } })) });
    expect(vpce.status).to.equal("PASSED");
    expect(org.status).to.equal("PASSED");
  });

  it("fails when the pinning condition uses a wildcard or IfExists", () => {
    const wildcard = run({ policy: policyOf(publicGet("*", { Condition: { StringLike: { "aws:PrincipalOrgID": "o-*" } } })) });
    const ifExists = run({ policy: policyOf(publicGet("*", { Condition: { StringEqualsIfExists: { "aws:SourceVpce": "vpce-1" } } })) });
    expect(wildcard.status).to.equal("FAILED");
    expect(ifExists.status).to.equal("FAILED");
  });

  it('fails for {"AWS":"*"} and passes for a named account', () => {
    const anyone = run({ policy: policyOf(publicGet({ AWS: "*" })) });
    const named = run({ policy: policyOf(publicGet({ AWS: `arn:aws:iam::${OTHER}:root` })) });
    expect(anyone.status).to.equal("FAILED");
    expect(named.status).to.equal("PASSED");
  });

  it("passes when a Deny neutralises the public Allow, and only for what it denies", () => {
    const deny = { Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${NAME}/*` };
    const partialDeny = { Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${NAME}/private/*` };
    expect(run({ policy: policyOf(publicGet("*"), deny) }).status).to.equal("PASSED");
    const partial = run({ policy: policyOf(publicGet("*"), partialDeny) });
    expect(partial.status).to.equal("FAILED");
  });

  it("does not take a Deny on a narrow key pattern to cover an Allow written for all resources", () => {
    const allowAll = { Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" };
    const narrowDeny = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `arn:aws:s3:::${NAME}/z*` };
    expect(run({ policy: policyOf(allowAll, narrowDeny) }).status).to.equal("FAILED");
    const fullDeny = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `arn:aws:s3:::${NAME}/*` };
    expect(run({ policy: policyOf(allowAll, fullDeny) }).status).to.equal("PASSED");
  });

  it("reports a grant guarded by a Deny outside the organisation as not public, and says so", () => {
    const guard = { Sid: "OrgOnly", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${NAME}`, `arn:aws:s3:::${NAME}/*`], Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-abc123" } } };
    const r = run({ policy: policyOf(publicGet("*"), guard) });
    expect(r.status).to.equal("PASSED");
    expect(r.reason).to.match(/"OrgOnly"/);
  });

  it("fails for ACL READ to AllUsers and to AuthenticatedUsers, naming each", () => {
    const grant = (uri: string) => ok({ ownerId: "owner", grants: [{ Grantee: { Type: "Group" as const, URI: uri }, Permission: "READ" as const }] });
    const all = run({ ownership: ok("ObjectWriter"), acl: grant("http://acs.amazonaws.com/groups/global/AllUsers") });
    const auth = run({ ownership: ok("ObjectWriter"), acl: grant("http://acs.amazonaws.com/groups/global/AuthenticatedUsers") });
    const logDelivery = run({ ownership: ok("ObjectWriter"), acl: grant("http://acs.amazonaws.com/groups/s3/LogDelivery") });
    expect(all.status).to.equal("FAILED");
    expect(all.reason).to.match(/AllUsers \(anyone\)/);
    expect(auth.status).to.equal("FAILED");
    expect(auth.reason).to.match(/AuthenticatedUsers \(any AWS account\)/);
    expect(logDelivery.status).to.equal("PASSED");
  });

  it("lets account-level Block Public Access compensate for missing bucket-level settings", () => {
    const publicPolicy = { policy: policyOf(publicGet("*")), publicAccessBlock: ok(null) };
    const withAccount = run(publicPolicy, { publicAccessBlock: ok(ALL_ON) });
    const withoutAccount = run(publicPolicy, { publicAccessBlock: ok(null) });
    expect(withAccount.status).to.equal("PASSED");
    expect(withAccount.reason).to.match(/neutralised by RestrictPublicBuckets \(account level\)/);
    expect(withoutAccount.status).to.equal("FAILED");
  });

  it("does not count BlockPublicPolicy alone: it only stops new public policies", () => {
    const r = run({ policy: policyOf(publicGet("*")), publicAccessBlock: ok({ ...ALL_OFF, BlockPublicPolicy: true }) });
    expect(r.status).to.equal("FAILED");
  });

  it("is NOT_AVAILABLE, never PASSED, when the policy cannot be read and nothing blocks it", () => {
    const r = run({ policy: denied, policyStatus: denied });
    expect(r.status).to.equal("NOT_AVAILABLE");
    expect(r.errorCode).to.equal("AccessDenied");
    const blocked = run({ policy: denied, policyStatus: denied, publicAccessBlock: ok(ALL_ON) });
    expect(blocked.status).to.equal("PASSED");
  });

  it("is NOT_AVAILABLE when a public grant exists and Block Public Access cannot be read", () => {
    const r = run({ policy: policyOf(publicGet("*")), publicAccessBlock: denied }, { publicAccessBlock: ok(null) });
    expect(r.status).to.equal("NOT_AVAILABLE");
    expect(r.errorCode).to.equal("AccessDenied");
  });

  it("says so when S3's policy status disagrees with our verdict", () => {
    const r = run({ policy: policyOf(tlsPolicy(NAME)), policyStatus: ok(true) });
    expect(r.status).to.equal("PASSED");
    expect(r.reason).to.match(/S3's own policy status reports the policy as public/);
    expect(r.details?.policyStatusDisagrees).to.equal(true);
  });
});
