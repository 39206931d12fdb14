import { expect } from "chai";
import {
  actionMatches,
  appliesToAllPrincipals,
  classifyPrincipal,
  conditionEquals,
  evaluateAccess,
  findConditions,
  isGuardingCondition,
  isPinningCondition,
  parseOperator,
  parsePolicy,
  PolicyParseError,
  resourceMatches,
  statementCoversAction,
  statementCoversResource,
  statementIsPinned,
  type Condition,
} from "../../../../functions/shared/iam-policy/policy";

const OWNER = "111111111111";
const OTHER = "222222222222";
const ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:PutKeyPolicy", "kms:DescribeKey"];

function policy(...statements: object[]) {
  return parsePolicy({ Version: "2012-10-17", Statement: statements });
}
function access(...statements: object[]) {
  return evaluateAccess(policy(...statements), { ownerAccountId: OWNER, actions: ACTIONS });
}
function condition(operator: string, key: string, values: unknown): Condition {
  return policy({ Effect: "Allow", Principal: "*", Action: "*", Condition: { [operator]: { [key]: values } } }).statements[0]!.conditions[0]!;
}
const rootOf = (account: string) => `arn:aws:iam::${account}:root`;

describe("policy: parsing", () => {
  it("accepts JSON text or an object, Statement as one object or a list", () => {
    const single = parsePolicy(JSON.stringify({ Statement: { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" } }));
    const list = parsePolicy({ Version: "2012-10-17", Id: "p", Statement: [{ Sid: "A", Effect: "Deny", NotPrincipal: { AWS: [rootOf(OWNER)] }, NotAction: "kms:*", NotResource: ["x"] }] });

    expect(single.statements).to.have.length(1);
    expect(single.statements[0]!).to.deep.include({ index: 0, effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"], notPrincipal: false });
    expect(list.version).to.equal("2012-10-17");
    expect(list.statements[0]!).to.deep.include({ sid: "A", effect: "Deny", notPrincipal: true, notAction: true, notResource: true, actions: ["kms:*"], resources: ["x"] });
    expect(list.statements[0]!.principals[0]).to.deep.include({ kind: "account", accountId: OWNER, isRoot: true });
  });

  it("classifies every principal form", () => {
    const parsed = policy({
      Effect: "Allow",
      Principal: { AWS: ["*", "arn:aws:iam::*:root", OTHER, `arn:aws:iam::${OTHER}:role/app`, `arn:aws:sts::${OTHER}:assumed-role/r/s`, "AROAEXAMPLEID"], Service: "s3.amazonaws.com", Federated: ["cognito-identity.amazonaws.com", `arn:aws:iam::${OTHER}:saml-provider/corp`], CanonicalUser: "79a59df9" },
      Action: "kms:Decrypt",
    }).statements[0]!;

    expect(parsed.principals.map((p) => [p.kind, p.accountId ?? null, p.isRoot ?? null])).to.deep.equal([
      ["public", null, null],
      ["public", null, null],
      ["account", OTHER, true],
      ["account", OTHER, false],
      ["account", OTHER, false],
      ["unknown", null, null],
      ["service", null, null],
      // A web identity provider lets anyone sign in (S3 calls such a grant public); a SAML provider belongs to an account.
      ["public", null, null],
      ["federated", OTHER, null],
      ["canonical-user", null, null],
    ]);
    expect(classifyPrincipal("*", "*").kind).to.equal("public");
    expect(classifyPrincipal("AWS", "arn:aws-cn:iam::123456789012:root")).to.deep.include({ kind: "account", isRoot: true });
  });

  it("normalises condition values: strings, JSON booleans, numbers, lists; keys lower-cased", () => {
    const c = policy({ Effect: "Deny", Principal: "*", Action: "*", Condition: { Bool: { "aws:SecureTransport": false }, NumericLessThan: { "s3:TlsVersion": 1.2 }, StringEquals: { "AWS:PrincipalOrgID": ["o-1", "o-2"] } } }).statements[0]!.conditions;

    expect(c.map((x) => [x.key, x.values])).to.deep.equal([
      ["aws:securetransport", ["false"]],
      ["s3:tlsversion", ["1.2"]],
      ["aws:principalorgid", ["o-1", "o-2"]],
    ]);
    expect(c[2]!.keyAsWritten).to.equal("AWS:PrincipalOrgID");
  });

  it("parses operator qualifiers and IfExists in any case", () => {
    expect(parseOperator("ForAnyValue:StringLikeIfExists")).to.deep.equal({ baseOperator: "StringLike", ifExists: true, setQualifier: "ForAnyValue" });
    expect(parseOperator("forallvalues:stringequals")).to.deep.equal({ baseOperator: "StringEquals", ifExists: false, setQualifier: "ForAllValues" });
    expect(parseOperator("BoolIfExists")).to.deep.equal({ baseOperator: "Bool", ifExists: true });
    expect(parseOperator("Null")).to.deep.equal({ baseOperator: "Null", ifExists: false });
  });

  it("rejects what is not a policy with MalformedPolicy", () => {
    const bad: unknown[] = ["{", "[]", {}, { Statement: [{ Effect: "Maybe", Action: "*" }] }, { Statement: [{ Effect: "Allow" }] }, { Statement: [{ Effect: "Allow", Action: "*", NotAction: "x" }] }, { Statement: [{ Effect: "Allow", Action: [1] }] }, { Statement: [{ Effect: "Allow", Principal: { Robot: "x" }, Action: "*" }] }, { Statement: [{ Effect: "Allow", Action: "*", Condition: { Bool: { k: { nested: true } } } }] }];
    for (const doc of bad) {
      expect(() => parsePolicy(doc as object), JSON.stringify(doc)).to.throw(PolicyParseError).with.property("code", "MalformedPolicy");
    }
  });
});

describe("policy: matching", () => {
  it("matches actions case-insensitively with * and ?", () => {
    expect(actionMatches("kms:*", "kms:Decrypt")).to.equal(true);
    expect(actionMatches("KMS:decrypt", "kms:Decrypt")).to.equal(true);
    expect(actionMatches("kms:Re*", "kms:ReEncryptFrom")).to.equal(true);
    expect(actionMatches("kms:?ncrypt", "kms:Encrypt")).to.equal(true);
    expect(actionMatches("kms:Encrypt", "kms:Decrypt")).to.equal(false);
    expect(actionMatches("s3:*", "kms:Decrypt")).to.equal(false);
    expect(actionMatches("*", "s3:GetObject")).to.equal(true);
  });

  it("matches resources case-sensitively with * and ?", () => {
    expect(resourceMatches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b.txt")).to.equal(true);
    expect(resourceMatches("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket")).to.equal(false);
    expect(resourceMatches("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket")).to.equal(false);
    expect(resourceMatches("arn:aws:s3:::b?cket", "arn:aws:s3:::bucket")).to.equal(true);
    expect(resourceMatches("arn:aws:s3:::b.cket", "arn:aws:s3:::bxcket")).to.equal(false);
  });

  it("inverts NotAction and NotResource; no Resource element covers everything", () => {
    const [notAction, notResource, none] = policy(
      { Effect: "Deny", Principal: "*", NotAction: ["kms:Describe*"] },
      { Effect: "Deny", Principal: "*", Action: "*", NotResource: "arn:aws:s3:::b/*" },
      { Effect: "Deny", Principal: "*", Action: "*" },
    ).statements as [never, never, never];

    expect(statementCoversAction(notAction, "kms:Decrypt")).to.equal(true);
    expect(statementCoversAction(notAction, "kms:DescribeKey")).to.equal(false);
    expect(statementCoversResource(notResource, "arn:aws:s3:::b")).to.equal(true);
    expect(statementCoversResource(notResource, "arn:aws:s3:::b/o")).to.equal(false);
    expect(statementCoversResource(none, "anything")).to.equal(true);
  });

  it("recognises aws:SecureTransport=false in every spelling (the S3.5 building blocks)", () => {
    const spellings: [string, unknown][] = [["Bool", "false"], ["Bool", false], ["BoolIfExists", "false"], ["Bool", ["false"]], ["bool", "FALSE"]];
    for (const [op, value] of spellings) {
      const st = policy({ Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], Condition: { [op]: { "aws:securetransport": value } } }).statements[0]!;
      const matches = findConditions(st, "aws:SecureTransport").filter((c) => conditionEquals(c, "aws:SecureTransport", false));
      expect(matches, `${op} ${JSON.stringify(value)}`).to.have.length(1);
      expect(appliesToAllPrincipals(st)).to.equal(true);
      expect(statementCoversAction(st, "s3:GetObject") && statementCoversResource(st, "arn:aws:s3:::b") && statementCoversResource(st, "arn:aws:s3:::b/k")).to.equal(true);
    }
    expect(conditionEquals(condition("Bool", "aws:SecureTransport", "true"), "aws:SecureTransport", false)).to.equal(false);
    expect(conditionEquals(condition("Bool", "aws:SecureTransport", ["false", "true"]), "aws:SecureTransport", false)).to.equal(false);
    expect(conditionEquals(condition("StringNotEquals", "aws:SecureTransport", "false"), "aws:SecureTransport", false)).to.equal(false);
    // StringEquals is case-sensitive: "False" never matches the request's "false".
    expect(conditionEquals(condition("StringEquals", "aws:SecureTransport", "False"), "aws:SecureTransport", false)).to.equal(false);
    expect(conditionEquals(condition("StringEquals", "aws:SecureTransport", "false"), "aws:SecureTransport", false)).to.equal(true);
    expect(conditionEquals(condition("StringEqualsIgnoreCase", "aws:SecureTransport", "False"), "aws:SecureTransport", false)).to.equal(true);
  });
});

describe("policy: pinning conditions", () => {
  it("pins on fixed account, org, network and source values", () => {
    const pinning: [string, string, unknown][] = [
      ["StringEquals", "kms:CallerAccount", OWNER],
      ["StringEquals", "aws:PrincipalAccount", [OWNER, OTHER]],
      ["StringEquals", "aws:PrincipalOrgID", "o-abc123"],
      ["ForAnyValue:StringLike", "aws:PrincipalOrgPaths", "o-abc123/r-ab12/ou-ab12-11111111/*"],
      ["StringEquals", "aws:SourceVpce", "vpce-1a2b3c"],
      ["StringEquals", "aws:SourceVpc", "vpc-1"],
      ["IpAddress", "aws:SourceIp", "203.0.113.0/24"],
      ["ArnLike", "aws:SourceArn", `arn:aws:cloudtrail:*:${OWNER}:trail/*`],
      ["ArnEquals", "aws:PrincipalArn", `arn:aws:iam::${OTHER}:role/app`],
      ["StringEquals", "aws:SourceAccount", OWNER],
      ["stringequals", "AWS:SOURCEOWNER", OWNER],
    ];
    for (const [op, key, values] of pinning) expect(isPinningCondition(condition(op, key, values)), `${op} ${key}`).to.equal(true);
  });

  it("does not pin with IfExists, wildcards, negations, ForAllValues or non-pinning keys", () => {
    const notPinning: [string, string, unknown][] = [
      ["StringEqualsIfExists", "kms:CallerAccount", OWNER],
      ["StringLike", "kms:CallerAccount", "*"],
      ["StringLike", "aws:PrincipalAccount", "1111*"],
      ["StringLike", "aws:PrincipalOrgID", "o-*"],
      ["StringNotEquals", "aws:PrincipalOrgID", "o-abc"],
      ["ForAllValues:StringEquals", "aws:PrincipalOrgPaths", "o-1/r-1/"],
      ["StringEquals", "kms:ViaService", "s3.eu-west-1.amazonaws.com"],
      ["IpAddress", "aws:SourceIp", "0.0.0.0/0"],
      ["ArnLike", "aws:SourceArn", "arn:aws:s3:::*"],
      ["ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/x"],
      ["Null", "aws:PrincipalOrgID", "false"],
      ["StringEquals", "aws:PrincipalOrgID", "${aws:ResourceOrgID}"],
    ];
    for (const [op, key, values] of notPinning) expect(isPinningCondition(condition(op, key, values)), `${op} ${key}`).to.equal(false);
  });

  it("does not pin on aws:username: user names are not unique across accounts", () => {
    expect(isPinningCondition(condition("StringEquals", "aws:username", "alice"))).to.equal(false);
    expect(isGuardingCondition(condition("StringNotEquals", "aws:username", "alice"))).to.equal(false);
    expect(access({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Condition: { StringEquals: { "aws:username": "alice" } } }).isPublic).to.equal(true);
  });

  it("treats negated operators on pinning keys, with or without IfExists, as Deny guards", () => {
    expect(isGuardingCondition(condition("StringNotEquals", "aws:PrincipalOrgID", "o-abc"))).to.equal(true);
    expect(isGuardingCondition(condition("StringNotEqualsIfExists", "aws:SourceVpce", "vpce-1"))).to.equal(true);
    expect(isGuardingCondition(condition("StringEquals", "aws:PrincipalOrgID", "o-abc"))).to.equal(false);
    expect(isGuardingCondition(condition("StringNotLike", "aws:PrincipalOrgID", "*"))).to.equal(false);
  });

  it("a statement is pinned when any one of its ANDed conditions pins", () => {
    const st = policy({ Effect: "Allow", Principal: "*", Action: "kms:*", Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com", "kms:CallerAccount": OWNER } } }).statements[0]!;
    const viaOnly = policy({ Effect: "Allow", Principal: "*", Action: "kms:*", Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } }).statements[0]!;
    expect(statementIsPinned(st)).to.equal(true);
    expect(statementIsPinned(viaOnly)).to.equal(false);
  });
});

describe("policy: effective access", () => {
  const ownerRoot = { Sid: "Root", Effect: "Allow", Principal: { AWS: rootOf(OWNER) }, Action: "kms:*", Resource: "*" };

  it("finds public grants in every public principal form, citing the statement", () => {
    for (const principal of ["*", { AWS: "*" }, { AWS: ["arn:aws:iam::*:root"] }]) {
      const report = access(ownerRoot, { Sid: "Open", Effect: "Allow", Principal: principal, Action: ["kms:Decrypt", "kms:Encrypt"], Resource: "*" });
      expect(report.isPublic, JSON.stringify(principal)).to.equal(true);
      expect(report.publicGrants).to.have.length(1);
      expect(report.publicGrants[0]!.statement).to.deep.equal({ index: 1, sid: "Open" });
      expect(report.publicGrants[0]!.actions).to.deep.equal(["kms:Decrypt", "kms:Encrypt"]);
    }
  });

  it("treats an Allow with NotPrincipal, or NotAction to anyone, as public", () => {
    const notPrincipal = access({ Effect: "Allow", NotPrincipal: { AWS: rootOf(OTHER) }, Action: "kms:Decrypt" });
    const notAction = access({ Effect: "Allow", Principal: "*", NotAction: "kms:Decrypt" });
    expect(notPrincipal.publicGrants[0]!.principals).to.deep.equal(["NotPrincipal"]);
    expect(notAction.publicGrants[0]!.actions).to.deep.equal(["kms:Encrypt", "kms:PutKeyPolicy", "kms:DescribeKey"]);
  });

  it("is not public when a condition pins the caller, and is when it only pins IfExists", () => {
    const pinned = access({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Condition: { StringEquals: { "kms:CallerAccount": OWNER, "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } });
    const org = access({ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Condition: { "ForAnyValue:StringEquals": { "aws:PrincipalOrgID": ["o-1"] } } });
    const ifExists = access({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Condition: { StringEqualsIfExists: { "aws:PrincipalOrgID": "o-1" } } });
    const wildcard = access({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Condition: { StringLike: { "kms:CallerAccount": "*" } } });
    expect([pinned.isPublic, org.isPublic, ifExists.isPublic, wildcard.isPublic]).to.deep.equal([false, false, true, true]);
    expect(pinned.crossAccountGrants).to.deep.equal([]);
  });

  it("subtracts unconditional Deny statements that cover everyone, by action and by NotAction", () => {
    const open = { Sid: "Open", Effect: "Allow", Principal: "*", Action: ["kms:Decrypt", "kms:Encrypt"] };
    const denyDecrypt = access(open, { Effect: "Deny", Principal: "*", Action: "kms:Decrypt" });
    const denyAllButDescribe = access(open, { Effect: "Deny", Principal: { AWS: "*" }, NotAction: "kms:Describe*" });
    const denyConditional = access(open, { Effect: "Deny", Principal: "*", Action: "kms:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    const denyNotPrincipal = access(open, { Effect: "Deny", NotPrincipal: { AWS: rootOf(OWNER) }, Action: "kms:*" });
    const denyOtherResource = evaluateAccess(policy(open, { Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "arn:aws:kms:eu-west-1:111111111111:key/other" }), {
      ownerAccountId: OWNER,
      actions: ACTIONS,
      resources: ["arn:aws:kms:eu-west-1:111111111111:key/mine"],
    });

    expect(denyDecrypt.publicGrants[0]!.actions).to.deep.equal(["kms:Encrypt"]);
    expect(denyAllButDescribe.isPublic).to.equal(false);
    expect(denyConditional.publicGrants[0]!.actions).to.deep.equal(["kms:Decrypt", "kms:Encrypt"]);
    expect(denyNotPrincipal.isPublic).to.equal(true);
    expect(denyOtherResource.isPublic).to.equal(true);
  });

  it("reports grants guarded by a Deny unless-in-my-org separately from public ones", () => {
    const report = access(
      { Sid: "Open", Effect: "Allow", Principal: "*", Action: "kms:Decrypt" },
      { Sid: "OrgOnly", Effect: "Deny", Principal: "*", Action: "kms:*", Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-1" } } },
    );
    expect(report.isPublic).to.equal(false);
    expect(report.guardedGrants).to.deep.equal([{ statement: { index: 0, sid: "Open" }, actions: ["kms:Decrypt"], principals: ["*"], guardedBy: [{ index: 1, sid: "OrgOnly" }] }]);
  });

  it("lists cross-account grants per account with actions and statements, minus Denies on them", () => {
    const report = access(
      ownerRoot,
      { Sid: "Partner", Effect: "Allow", Principal: { AWS: [`arn:aws:iam::${OTHER}:role/app`, "333333333333"] }, Action: ["kms:Decrypt", "kms:PutKeyPolicy"] },
      { Sid: "NoAdmin", Effect: "Deny", Principal: { AWS: "333333333333" }, Action: "kms:PutKeyPolicy" },
      { Sid: "Pinned", Effect: "Allow", Principal: "*", Action: "kms:Encrypt", Condition: { StringEquals: { "kms:CallerAccount": "444444444444" } } },
    );
    expect(report.isPublic).to.equal(false);
    expect(report.crossAccountGrants.map((g) => [g.accountId, g.actions, g.statements.map((s) => s.sid), g.conditional])).to.deep.equal([
      [OTHER, ["kms:Decrypt", "kms:PutKeyPolicy"], ["Partner"], false],
      ["333333333333", ["kms:Decrypt"], ["Partner"], false],
      ["444444444444", ["kms:Encrypt"], ["Pinned"], true],
    ]);
  });

  it("reports a public Allow pinned by aws:PrincipalArn to another account's principal as cross-account", () => {
    const report = access(
      ownerRoot,
      { Sid: "Partner", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Condition: { ArnEquals: { "aws:PrincipalArn": [`arn:aws:iam::${OTHER}:role/app`, `arn:aws:iam::${OWNER}:role/local`] } } },
    );
    expect(report.isPublic).to.equal(false);
    expect(report.crossAccountGrants.map((g) => [g.accountId, g.actions, g.statements.map((s) => s.sid), g.conditional])).to.deep.equal([[OTHER, ["kms:Decrypt"], ["Partner"], true]]);
  });

  it("reports accounts a guarding Deny lets through (Deny unless kms:CallerAccount / aws:PrincipalArn in a list) as cross-account", () => {
    const report = access(
      { Sid: "Open", Effect: "Allow", Principal: "*", Action: ["kms:Decrypt", "kms:Encrypt"] },
      { Sid: "OnlyUs", Effect: "Deny", Principal: "*", Action: "kms:*", Condition: { StringNotEquals: { "kms:CallerAccount": [OWNER, OTHER] } } },
    );
    const byArn = access(
      { Sid: "Open", Effect: "Allow", Principal: "*", Action: "kms:Decrypt" },
      { Sid: "OnlyRole", Effect: "Deny", Principal: "*", Action: "kms:*", Condition: { ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::333333333333:role/app` } } },
    );
    expect(report.isPublic).to.equal(false);
    expect(report.guardedGrants).to.have.length(1);
    expect(report.crossAccountGrants.map((g) => [g.accountId, g.actions, g.statements.map((s) => s.sid), g.conditional])).to.deep.equal([[OTHER, ["kms:Decrypt", "kms:Encrypt"], ["Open"], true]]);
    expect(byArn.crossAccountGrants.map((g) => [g.accountId, g.actions])).to.deep.equal([["333333333333", ["kms:Decrypt"]]]);
  });

  it("reports service:*, * and NotAction grants except to the owner's root", () => {
    const report = access(
      ownerRoot,
      { Sid: "Admin", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OWNER}:role/admin` }, Action: "KMS:*" },
      { Sid: "Svc", Effect: "Allow", Principal: { Service: "logs.amazonaws.com" }, Action: "*" },
      { Sid: "Most", Effect: "Allow", Principal: { AWS: rootOf(OTHER) }, NotAction: "kms:ScheduleKeyDeletion" },
      { Sid: "Narrow", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OWNER}:role/user` }, Action: ["kms:Decrypt", "s3:*"] },
    );
    expect(report.wildcardGrants.map((g) => [g.principal.value, g.action, g.statement.sid])).to.deep.equal([
      [`arn:aws:iam::${OWNER}:role/admin`, "KMS:*", "Admin"],
      ["logs.amazonaws.com", "*", "Svc"],
      [rootOf(OTHER), "NotAction:kms:ScheduleKeyDeletion", "Most"],
    ]);
  });

  it("finds nothing in the default key policy", () => {
    const report = access(ownerRoot);
    expect(report).to.deep.equal({ isPublic: false, publicGrants: [], guardedGrants: [], crossAccountGrants: [], wildcardGrants: [] });
  });
});
