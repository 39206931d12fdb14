import { expect } from "chai";
import { evaluateRequest } from "../../../../functions/shared/iam-policy/evaluate";

const USER = "arn:aws:iam::111111111111:user/alice";
const allow = (Condition?: object) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", ...(Condition ? { Condition } : {}) }] });
const ask = (context: Record<string, string | boolean | string[]> = {}) => ({ principal: USER, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context });

describe("iam-policy evaluate: request evaluation", () => {
  it("allows by identity policy, denies implicitly without one, and an explicit Deny wins", () => {
    expect(evaluateRequest({ identity: [allow()] }, ask()).decision).to.equal("Allow");
    expect(evaluateRequest({ identity: [] }, ask()).decision).to.equal("ImplicitDeny");
    const deny = { Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }] };
    expect(evaluateRequest({ identity: [allow(), deny] }, ask()).decision).to.equal("ExplicitDeny");
  });

  it("needs both the identity policy and the boundary (boundary ∩ identity)", () => {
    const boundary = { Statement: [{ Effect: "Allow", Action: "ec2:*", Resource: "*" }] };
    expect(evaluateRequest({ identity: [allow()], boundary }, ask()).decision).to.equal("ImplicitDeny");
    expect(evaluateRequest({ identity: [allow()], boundary: allow() }, ask()).decision).to.equal("Allow");
  });

  it("evaluates string, Bool, IP and date operators against the context", () => {
    const p = allow({ Bool: { "aws:MultiFactorAuthPresent": "true" }, IpAddress: { "aws:SourceIp": "203.0.113.0/24" }, DateLessThan: { "aws:CurrentTime": "2030-01-01T10:00:00Z" } });
    const ok = { "aws:MultiFactorAuthPresent": true, "aws:SourceIp": "203.0.113.9", "aws:CurrentTime": "2030-01-01T09:59:59Z" };
    expect(evaluateRequest({ identity: [p] }, ask(ok)).allowed).to.equal(true);
    expect(evaluateRequest({ identity: [p] }, ask({ ...ok, "aws:SourceIp": "198.51.100.1" })).allowed).to.equal(false);
    expect(evaluateRequest({ identity: [p] }, ask({ ...ok, "aws:CurrentTime": "2030-01-01T10:00:00Z" })).allowed).to.equal(false);
    const { "aws:MultiFactorAuthPresent": _, ...noMfa } = ok;
    expect(evaluateRequest({ identity: [p] }, ask(noMfa)).allowed).to.equal(false);
  });

  it("IfExists holds when the key is absent; a negated operator holds on an absent key", () => {
    const deny = { Statement: [{ Effect: "Deny", Action: "*", Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } }] };
    expect(evaluateRequest({ identity: [allow(), deny] }, ask({})).decision).to.equal("ExplicitDeny");
    expect(evaluateRequest({ identity: [allow(), deny] }, ask({ "aws:MultiFactorAuthPresent": "true" })).decision).to.equal("Allow");
    const notIp = { Statement: [{ Effect: "Deny", Action: "*", Resource: "*", Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }] };
    expect(evaluateRequest({ identity: [allow(), notIp] }, ask({})).decision).to.equal("ExplicitDeny");
    expect(evaluateRequest({ identity: [allow(), notIp] }, ask({ "aws:SourceIp": "10.1.2.3" })).decision).to.equal("Allow");
  });

  it("matches principals in a resource policy: the named ARN, the account root, not another user", () => {
    const trust = (AWS: string) => ({ Statement: [{ Effect: "Allow", Principal: { AWS }, Action: "sts:AssumeRole" }] });
    const req = (principal: string) => ({ principal, action: "sts:AssumeRole", resource: "arn:aws:iam::111111111111:role/r" });
    expect(evaluateRequest({ resource: trust(USER) }, req(USER)).allowed).to.equal(true);
    expect(evaluateRequest({ resource: trust(USER) }, req("arn:aws:iam::111111111111:user/mallory")).allowed).to.equal(false);
    // Naming the account delegates to it: the caller's own identity policy must allow the call too.
    expect(evaluateRequest({ resource: trust("arn:aws:iam::111111111111:root") }, req("arn:aws:iam::111111111111:user/mallory")).allowed).to.equal(false);
    const mayAssume = { Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "arn:aws:iam::111111111111:role/r" }] };
    expect(evaluateRequest({ identity: [mayAssume], resource: trust("arn:aws:iam::111111111111:root") }, req("arn:aws:iam::111111111111:user/mallory")).allowed).to.equal(true);
    expect(evaluateRequest({ identity: [mayAssume], resource: trust(USER) }, req("arn:aws:iam::111111111111:user/mallory")).allowed).to.equal(false);
    expect(evaluateRequest({ resource: trust("arn:aws:iam::111111111111:root") }, req("arn:aws:iam::222222222222:user/mallory")).allowed).to.equal(false);
  });

  it("supports ForAnyValue / ForAllValues, Null and ArnLike", () => {
    const anyTag = allow({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["a", "b"] } });
    expect(evaluateRequest({ identity: [anyTag] }, ask({ "aws:TagKeys": ["c", "b"] })).allowed).to.equal(true);
    const allTags = allow({ "ForAllValues:StringEquals": { "aws:TagKeys": ["a", "b"] } });
    expect(evaluateRequest({ identity: [allTags] }, ask({ "aws:TagKeys": ["a", "c"] })).allowed).to.equal(false);
    expect(evaluateRequest({ identity: [allow({ Null: { "aws:SourceVpc": "true" } })] }, ask({})).allowed).to.equal(true);
    expect(evaluateRequest({ identity: [allow({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:user/a*" } })] }, ask({})).allowed).to.equal(true);
  });
});
