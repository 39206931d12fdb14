/**
 * "Public" as S3 defines it ("The meaning of public", Amazon S3 User Guide) and IAM evaluates it:
 * one test per condition key S3 lists as making a statement non-public, one per IAM condition
 * operator (plain, IfExists, ForAnyValue, ForAllValues), as an Allow's pin and as a Deny's guard.
 */
import { expect } from "chai";
import { evaluateAccess, isGuardingCondition, isPinningCondition, parsePolicy, PINNING_CONDITION_KEYS, type Condition } from "../../../../functions/shared/iam-policy/policy";

const OWNER = "111122223333";
const OTHER = "444455556666";
const BUCKET = "arn:aws:s3:::data";

function readAccess(...statements: object[]) {
  return evaluateAccess(parsePolicy({ Version: "2012-10-17", Statement: statements }), { ownerAccountId: OWNER, actions: ["s3:GetObject"], resources: [`${BUCKET}/k`] });
}
/** Allow anyone s3:GetObject under one condition. */
function openWhen(operator: string, key: string, values: unknown) {
  return readAccess({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${BUCKET}/*`, Condition: { [operator]: { [key]: values } } });
}
/** Allow anyone s3:GetObject, Deny everyone under one condition. */
function guardedWhen(operator: string, key: string, values: unknown) {
  return readAccess(
    { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${BUCKET}/*` },
    { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `${BUCKET}/*`, Condition: { [operator]: { [key]: values } } },
  );
}
function condition(operator: string, key: string, values: unknown): Condition {
  return parsePolicy({ Statement: { Effect: "Allow", Principal: "*", Action: "*", Condition: { [operator]: { [key]: values } } } }).statements[0]!.conditions[0]!;
}

/** Every key of S3's list, with a fixed value, a value S3 would call public, and the operator it is written with. */
const S3_KEYS: readonly { key: string; operator: string; fixed: unknown; open: unknown }[] = [
  { key: "aws:PrincipalOrgID", operator: "StringEquals", fixed: "o-a1b2c3d4e5", open: "o-*" },
  { key: "aws:PrincipalAccount", operator: "StringEquals", fixed: OWNER, open: "1111*" },
  { key: "aws:PrincipalArn", operator: "ArnEquals", fixed: `arn:aws:iam::${OWNER}:role/reader`, open: "arn:aws:iam::*:role/reader" },
  { key: "aws:PrincipalOrgPaths", operator: "ForAnyValue:StringLike", fixed: "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*", open: "o-*/*" },
  { key: "aws:PrincipalServiceName", operator: "StringEquals", fixed: "cloudtrail.amazonaws.com", open: "*.amazonaws.com" },
  { key: "aws:SourceIp", operator: "IpAddress", fixed: "203.0.113.0/24", open: "0.0.0.0/1" },
  { key: "aws:SourceArn", operator: "ArnLike", fixed: `arn:aws:cloudtrail:eu-west-1:${OWNER}:trail/main`, open: "arn:aws:cloudtrail:eu-west-1:*:trail/main" },
  { key: "aws:SourceVpc", operator: "StringEquals", fixed: "vpc-91237329", open: "vpc-*" },
  { key: "aws:SourceVpce", operator: "StringEquals", fixed: "vpce-1a2b3c4d", open: "vpce-*" },
  { key: "aws:SourceOwner", operator: "StringEquals", fixed: OWNER, open: "*" },
  { key: "aws:SourceAccount", operator: "StringEquals", fixed: OWNER, open: "${aws:PrincipalAccount}" },
  { key: "aws:SourceOrgID", operator: "StringEquals", fixed: "o-a1b2c3d4e5", open: "o-?*" },
  { key: "aws:SourceOrgPaths", operator: "ForAnyValue:StringLike", fixed: "o-a1b2c3d4e5/r-ab12/*", open: "*/r-ab12/*" },
  { key: "s3:x-amz-server-side-encryption-aws-kms-key-id", operator: "StringEquals", fixed: `arn:aws:kms:eu-west-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, open: "arn:aws:kms:*" },
  { key: "aws:userid", operator: "StringLike", fixed: "AROAEXAMPLEROLEID:*", open: "*:alice" },
  { key: "s3:DataAccessPointArn", operator: "ArnLike", fixed: `arn:aws:s3:us-west-2:${OWNER}:accesspoint/*`, open: "arn:aws:s3:us-west-2:*:accesspoint/*" },
  { key: "s3:DataAccessPointAccount", operator: "StringEquals", fixed: OWNER, open: "*" },
  { key: "kms:CallerAccount", operator: "StringEquals", fixed: OWNER, open: "*" },
];

describe("policy: S3's condition keys that make a statement non-public", () => {
  it("lists every key of S3's list (and kms:CallerAccount for key policies)", () => {
    expect([...PINNING_CONDITION_KEYS].sort()).to.deep.equal(S3_KEYS.map((k) => k.key.toLowerCase()).sort());
  });

  for (const { key, operator, fixed, open } of S3_KEYS) {
    it(`${key}: a fixed value makes the grant non-public; ${JSON.stringify(open)} or IfExists does not`, () => {
      expect(openWhen(operator, key, fixed).isPublic, "fixed").to.equal(false);
      expect(openWhen(operator, key, open).isPublic, "open value").to.equal(true);
      expect(openWhen(`${operator}IfExists`, key, fixed).isPublic, "IfExists").to.equal(true);
      // One open value among fixed ones opens the grant: the caller need match only one.
      expect(openWhen(operator, key, [fixed, open]).isPublic, "mixed").to.equal(true);
    });
  }

  it("aws:userid pins a user's or role's unique id, with or without `:*` for the session, never the session alone", () => {
    expect(openWhen("StringEquals", "aws:userid", "AIDAEXAMPLEUSERID").isPublic).to.equal(false);
    expect(openWhen("StringLike", "aws:userid", "AROAEXAMPLEROLEID:*").isPublic).to.equal(false);
    expect(openWhen("StringLike", "aws:userid", ":*").isPublic).to.equal(true);
    expect(openWhen("StringLike", "aws:userid", "AROA*:*").isPublic).to.equal(true);
  });

  const notPinning: [string, string, unknown][] = [
    ["aws:VpcSourceIp", "IpAddress", "10.0.0.0/16"],
    ["aws:username", "StringEquals", "alice"],
    ["kms:ViaService", "StringEquals", "s3.eu-west-1.amazonaws.com"],
    ["aws:SecureTransport", "Bool", "true"],
    ["s3:x-amz-acl", "StringEquals", "bucket-owner-full-control"],
    ["aws:RequestedRegion", "StringEquals", "eu-west-1"],
  ];
  for (const [key, operator, value] of notPinning) {
    it(`${key} does not make a grant non-public (any account can match it)`, () => {
      expect(openWhen(operator, key, value).isPublic).to.equal(true);
    });
  }
});

describe("policy: aws:SourceIp ranges as S3 judges them (broader than /8 IPv4 or /32 IPv6 is public)", () => {
  const cases: [string, boolean][] = [
    ["0.0.0.0/0", true],
    ["0.0.0.0/1", true],
    ["128.0.0.0/7", true],
    ["10.0.0.0/7", true],
    ["54.0.0.0/8", false],
    ["10.0.0.0/8", false],
    ["192.168.0.0/16", false],
    ["203.0.113.0/24", false],
    ["203.0.113.7", false],
    ["203.0.113.7/32", false],
    ["::/0", true],
    ["2001:db8::/31", true],
    ["2001:db8::/32", false],
    ["2001:db8:1234::/48", false],
    ["2001:db8::1", false],
    ["203.0.113.*", true],
    ["203.0.113.0/33", true],
    ["2001:db8::/129", true],
    ["not-an-address", true],
    ["${aws:SourceIp}", true],
  ];
  for (const [range, isPublic] of cases) {
    it(`IpAddress ${range} is ${isPublic ? "public" : "not public"}; a Deny NotIpAddress ${range} ${isPublic ? "guards nothing" : "guards"}`, () => {
      expect(openWhen("IpAddress", "aws:SourceIp", range).isPublic).to.equal(isPublic);
      const guarded = guardedWhen("NotIpAddress", "aws:SourceIp", range);
      expect(guarded.isPublic).to.equal(isPublic);
      expect(guarded.guardedGrants).to.have.length(isPublic ? 0 : 1);
    });
  }

  it("a list is as broad as its broadest range", () => {
    expect(openWhen("IpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:db8::/32"]).isPublic).to.equal(false);
    expect(openWhen("IpAddress", "aws:SourceIp", ["203.0.113.0/24", "::/1"]).isPublic).to.equal(true);
  });
});

describe("policy: S3 access-point delegation", () => {
  /** The delegation AWS documents: the bucket lets the owner's access points decide. */
  const delegate = (condition: object) =>
    readAccess({ Effect: "Allow", Principal: { AWS: "*" }, Action: "*", Resource: [BUCKET, `${BUCKET}/*`], Condition: condition });

  it("to the owner's access points (s3:DataAccessPointAccount) is neither public nor cross-account", () => {
    const report = delegate({ StringEquals: { "s3:DataAccessPointAccount": OWNER } });
    expect(report.isPublic).to.equal(false);
    expect(report.crossAccountGrants).to.deep.equal([]);
  });

  it("to access points of one fixed account by ARN (any access point name) is not public", () => {
    const report = delegate({ ArnLike: { "s3:DataAccessPointArn": `arn:aws:s3:us-west-2:${OWNER}:accesspoint/*` } });
    expect(report.isPublic).to.equal(false);
    expect(report.crossAccountGrants).to.deep.equal([]);
  });

  it("to another account's access points is a cross-account grant to that account", () => {
    const byAccount = delegate({ StringEquals: { "s3:DataAccessPointAccount": OTHER } });
    const byArn = delegate({ ArnLike: { "s3:DataAccessPointArn": `arn:aws:s3:us-west-2:${OTHER}:accesspoint/*` } });
    for (const report of [byAccount, byArn]) {
      expect(report.isPublic).to.equal(false);
      expect(report.crossAccountGrants.map((g) => [g.accountId, g.actions, g.conditional])).to.deep.equal([[OTHER, ["s3:GetObject"], true]]);
    }
  });

  it("to access points of any account is public", () => {
    expect(delegate({ ArnLike: { "s3:DataAccessPointArn": "arn:aws:s3:us-west-2:*:accesspoint/*" } }).isPublic).to.equal(true);
    expect(delegate({ StringLike: { "s3:DataAccessPointAccount": "*" } }).isPublic).to.equal(true);
  });
});

describe("policy: principals S3 calls public", () => {
  it("an Allow to a web identity provider (Federated graph.facebook.com) is public, one to an account's SAML provider is not", () => {
    const facebook = readAccess({ Effect: "Allow", Principal: { Federated: "graph.facebook.com" }, Action: "s3:GetObject", Resource: `${BUCKET}/*` });
    const saml = readAccess({ Effect: "Allow", Principal: { Federated: `arn:aws:iam::${OWNER}:saml-provider/corp` }, Action: "s3:GetObject", Resource: `${BUCKET}/*` });
    expect(facebook.isPublic).to.equal(true);
    expect(facebook.publicGrants[0]!.principals).to.deep.equal(["graph.facebook.com"]);
    expect(saml.isPublic).to.equal(false);
  });

  it("a Deny on a web identity provider binds only its users, so it does not take a public grant away", () => {
    const report = readAccess(
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${BUCKET}/*` },
      { Effect: "Deny", Principal: { Federated: "accounts.google.com" }, Action: "s3:*", Resource: `${BUCKET}/*` },
    );
    expect(report.isPublic).to.equal(true);
  });
});

/**
 * Every IAM condition operator. `pins`: as an Allow's condition on a pinning key with fixed values,
 * it restricts the caller. `guards`: as a Deny's condition it denies every caller outside the values.
 */
const OPERATORS: readonly { operator: string; key: string; value: unknown; pins: boolean; guards: boolean; why: string }[] = [
  { operator: "StringEquals", key: "aws:SourceVpce", value: "vpce-1a2b3c4d", pins: true, guards: false, why: "matches only the value" },
  { operator: "StringNotEquals", key: "aws:SourceVpce", value: "vpce-1a2b3c4d", pins: false, guards: true, why: "matches every other value (and an absent key)" },
  { operator: "StringEqualsIgnoreCase", key: "aws:SourceVpce", value: "VPCE-1A2B3C4D", pins: true, guards: false, why: "matches only the value, in any case" },
  { operator: "StringNotEqualsIgnoreCase", key: "aws:SourceVpce", value: "VPCE-1A2B3C4D", pins: false, guards: true, why: "matches every other value" },
  { operator: "StringLike", key: "aws:SourceVpce", value: "vpce-1a2b3c4d", pins: true, guards: false, why: "without a wildcard it is an exact match" },
  { operator: "StringNotLike", key: "aws:SourceVpce", value: "vpce-1a2b3c4d", pins: false, guards: true, why: "matches every other value" },
  { operator: "NumericEquals", key: "aws:SourceAccount", value: OWNER, pins: false, guards: false, why: "numeric operators do not name a caller" },
  { operator: "NumericNotEquals", key: "aws:SourceAccount", value: OWNER, pins: false, guards: false, why: "numeric operators do not name a caller" },
  { operator: "NumericLessThan", key: "aws:SourceAccount", value: OWNER, pins: false, guards: false, why: "a range of accounts" },
  { operator: "NumericLessThanEquals", key: "aws:SourceAccount", value: OWNER, pins: false, guards: false, why: "a range of accounts" },
  { operator: "NumericGreaterThan", key: "aws:SourceAccount", value: OWNER, pins: false, guards: false, why: "a range of accounts" },
  { operator: "NumericGreaterThanEquals", key: "aws:SourceAccount", value: OWNER, pins: false, guards: false, why: "a range of accounts" },
  { operator: "DateEquals", key: "aws:SourceAccount", value: "2026-01-01T00:00:00Z", pins: false, guards: false, why: "date operators do not name a caller" },
  { operator: "DateNotEquals", key: "aws:SourceAccount", value: "2026-01-01T00:00:00Z", pins: false, guards: false, why: "date operators do not name a caller" },
  { operator: "DateLessThan", key: "aws:SourceAccount", value: "2026-01-01T00:00:00Z", pins: false, guards: false, why: "date operators do not name a caller" },
  { operator: "DateLessThanEquals", key: "aws:SourceAccount", value: "2026-01-01T00:00:00Z", pins: false, guards: false, why: "date operators do not name a caller" },
  { operator: "DateGreaterThan", key: "aws:SourceAccount", value: "2026-01-01T00:00:00Z", pins: false, guards: false, why: "date operators do not name a caller" },
  { operator: "DateGreaterThanEquals", key: "aws:SourceAccount", value: "2026-01-01T00:00:00Z", pins: false, guards: false, why: "date operators do not name a caller" },
  { operator: "Bool", key: "aws:SourceVpce", value: "true", pins: false, guards: false, why: "a boolean names no caller" },
  { operator: "BinaryEquals", key: "aws:SourceVpce", value: "dnBjZS0xYTJiM2M0ZA==", pins: false, guards: false, why: "binary comparison of a string key never matches" },
  { operator: "IpAddress", key: "aws:SourceIp", value: "203.0.113.0/24", pins: true, guards: false, why: "matches only the range" },
  { operator: "NotIpAddress", key: "aws:SourceIp", value: "203.0.113.0/24", pins: false, guards: true, why: "matches every address outside the range" },
  { operator: "ArnEquals", key: "aws:SourceArn", value: `arn:aws:sns:eu-west-1:${OWNER}:alerts`, pins: true, guards: false, why: "matches only the ARN" },
  { operator: "ArnLike", key: "aws:SourceArn", value: `arn:aws:sns:*:${OWNER}:*`, pins: true, guards: false, why: "the account is fixed" },
  { operator: "ArnNotEquals", key: "aws:SourceArn", value: `arn:aws:sns:eu-west-1:${OWNER}:alerts`, pins: false, guards: true, why: "matches every other ARN" },
  { operator: "ArnNotLike", key: "aws:SourceArn", value: `arn:aws:sns:*:${OWNER}:*`, pins: false, guards: true, why: "matches every other account" },
  { operator: "Null", key: "aws:SourceVpce", value: "false", pins: false, guards: false, why: "only asks whether the key is present" },
];

describe("policy: IAM condition operators", () => {
  for (const { operator, key, value, pins, guards, why } of OPERATORS) {
    it(`${operator} on ${key}: ${pins ? "pins an Allow" : "does not pin an Allow"}, ${guards ? "guards" : "does not guard"} as a Deny (${why})`, () => {
      expect(isPinningCondition(condition(operator, key, value)), "pins").to.equal(pins);
      expect(openWhen(operator, key, value).isPublic, "Allow public").to.equal(!pins);
      expect(isGuardingCondition(condition(operator, key, value)), "guards").to.equal(guards);
      const report = guardedWhen(operator, key, value);
      expect(report.guardedGrants.length, "Deny guards").to.equal(guards ? 1 : 0);
      expect(report.isPublic, "public after the Deny").to.equal(!guards);

      // IfExists: the key may be absent, so an Allow no longer pins; a negated Deny still guards
      // (a negated operator is true when the key is absent, so such callers are denied as well).
      if (operator !== "Null") {
        expect(isPinningCondition(condition(`${operator}IfExists`, key, value)), "IfExists pins").to.equal(false);
        expect(isGuardingCondition(condition(`${operator}IfExists`, key, value)), "IfExists guards").to.equal(guards);
      }
      // ForAnyValue: false for an absent key, so it still pins an Allow but lets callers without the key past a Deny.
      expect(isPinningCondition(condition(`ForAnyValue:${operator}`, key, value)), "ForAnyValue pins").to.equal(pins);
      expect(isGuardingCondition(condition(`ForAnyValue:${operator}`, key, value)), "ForAnyValue guards").to.equal(false);
      // ForAllValues: true for an absent key, so it never pins an Allow but still guards a Deny.
      expect(isPinningCondition(condition(`ForAllValues:${operator}`, key, value)), "ForAllValues pins").to.equal(false);
      expect(isGuardingCondition(condition(`ForAllValues:${operator}`, key, value)), "ForAllValues guards").to.equal(guards);
    });
  }

  it("covers every operator of the IAM reference", () => {
    expect(OPERATORS.map((o) => o.operator)).to.have.length(27);
  });
});
