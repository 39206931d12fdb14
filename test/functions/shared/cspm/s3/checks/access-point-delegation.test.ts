/**
 * A bucket that delegates access control to access points (the pattern AWS documents: Allow
 * `{"AWS":"*"}` everything, pinned by s3:DataAccessPointAccount or s3:DataAccessPointArn) is not
 * public, and gives no other account control, when the access points are the owner's.
 */
import { expect } from "chai";
import { s3BucketCrossAccountAccess } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-cross-account-access";
import { s3BucketPublicRead } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-public-read";
import { s3BucketPublicWrite } from "../../../../../../functions/shared/cspm/s3/checks/s3-bucket-public-write";
import { ALL_OFF, OTHER, OWNER, bucket, input, ok, policyOf, tlsPolicy } from "../../../../s3-auditor/fixtures";

const NAME = "delegated";
const delegation = (condition: object) => ({
  Sid: "DelegateToAccessPoints",
  Effect: "Allow",
  Principal: { AWS: "*" },
  Action: "*",
  Resource: [`arn:aws:s3:::${NAME}`, `arn:aws:s3:::${NAME}/*`],
  Condition: condition,
});
// Block Public Access off, so nothing but the policy's own conditions decides.
const run = (condition: object) => {
  const b = bucket(NAME, { policy: policyOf(tlsPolicy(NAME), delegation(condition)), publicAccessBlock: ok(ALL_OFF) });
  const i = input(b, { publicAccessBlock: ok(ALL_OFF) });
  return { read: s3BucketPublicRead.evaluate(i), write: s3BucketPublicWrite.evaluate(i), cross: s3BucketCrossAccountAccess.evaluate(i) };
};

describe("S3 checks: delegation to access points", () => {
  const owners: [string, object][] = [
    ["s3:DataAccessPointAccount", { StringEquals: { "s3:DataAccessPointAccount": OWNER } }],
    ["s3:DataAccessPointArn", { ArnLike: { "s3:DataAccessPointArn": `arn:aws:s3:eu-west-1:${OWNER}:accesspoint/*` } }],
  ];
  for (const [key, condition] of owners) {
    it(`to the owner's access points (${key}) is neither public (S3.2, S3.3) nor control by another account (S3.6)`, () => {
      const { read, write, cross } = run(condition);
      expect([read.status, write.status, cross.status]).to.deep.equal(["PASSED", "PASSED", "PASSED"]);
    });
  }

  it("to another account's access points hands that account control (S3.6 fails), not the public", () => {
    const { read, write, cross } = run({ StringEquals: { "s3:DataAccessPointAccount": OTHER } });
    expect([read.status, write.status]).to.deep.equal(["PASSED", "PASSED"]);
    expect(cross.status).to.equal("FAILED");
    expect(cross.reason).to.contain(`account ${OTHER} may`);
  });

  it("to access points of any account is public", () => {
    const { read, write } = run({ ArnLike: { "s3:DataAccessPointArn": "arn:aws:s3:eu-west-1:*:accesspoint/*" } });
    expect([read.status, write.status]).to.deep.equal(["FAILED", "FAILED"]);
  });

  it("through a source-IP range: /8 is not public, /7 is (S3's rule)", () => {
    expect(run({ IpAddress: { "aws:SourceIp": "54.0.0.0/8" } }).read.status).to.equal("PASSED");
    expect(run({ IpAddress: { "aws:SourceIp": "54.0.0.0/7" } }).read.status).to.equal("FAILED");
    expect(run({ IpAddress: { "aws:SourceIp": "2001:db8::/32" } }).read.status).to.equal("PASSED");
    expect(run({ IpAddress: { "aws:SourceIp": "2001:db8::/31" } }).read.status).to.equal("FAILED");
  });
});
