import { expect } from "chai";
import { evaluateRequest } from "../../../../functions/shared/iam-policy/evaluate";
import {
  BOUNDARY_DENIED_PATTERNS,
  boundaryPolicy,
  boundaryPolicyArn,
  FORBIDDEN_ACTIONS,
  maxSessionSeconds,
  permissionsPolicy,
  renderTemplate,
  trustPolicy,
  validateRolePolicies,
  VENDING_TIERS,
  vendorIamStatements,
  vendingPath,
} from "../../../../functions/shared/iam-policy/role-vending";
import { readTemplate } from "../../role-vending/support";

const ACCOUNT = "111111111111";
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/role-vending/csp-dev/csp-dev-g-00000000000000000000`;
const START = "2030-01-01T09:00:00Z";
const END = "2030-01-01T13:00:00Z";
const grant = { requesterArn: ALICE, sourceIdentity: "alice", externalId: "ext-0123456789abcdef", cidrs: ["203.0.113.0/24"], start: START, end: END };
const VARS = { account_id: ACCOUNT, project_id: "payments", grant_id: "g-00000000000000000000", user_id: "alice", region: "eu-west-1" };

describe("iam-policy role-vending: the vended role's policies as evaluated by the engine", () => {
  const trust = trustPolicy(grant);
  const good = {
    "aws:MultiFactorAuthPresent": "true",
    "aws:SourceIp": "203.0.113.7",
    "sts:ExternalId": grant.externalId,
    "sts:SourceIdentity": "alice",
    "aws:CurrentTime": "2030-01-01T12:59:59Z",
  };
  const assume = (context: Record<string, string>, principal = ALICE) => evaluateRequest({ resource: trust }, { principal, action: "sts:AssumeRole", resource: ROLE, context });
  const without = (key: keyof typeof good) => Object.fromEntries(Object.entries(good).filter(([k]) => k !== key));

  it("lets the requester assume with MFA, from an allowed IP, in the window, with the external id and source identity", () => {
    expect(assume(good).decision).to.equal("Allow");
    expect(evaluateRequest({ resource: trust }, { principal: ALICE, action: "sts:SetSourceIdentity", resource: ROLE, context: good }).allowed).to.equal(true);
  });

  for (const key of Object.keys(good) as (keyof typeof good)[]) {
    it(`denies the assumption when ${key} is missing`, () => expect(assume(without(key)).allowed).to.equal(false));
  }
  const wrong: [string, Record<string, string>][] = [
    ["MFA false", { ...good, "aws:MultiFactorAuthPresent": "false" }],
    ["an IP outside the CIDRs", { ...good, "aws:SourceIp": "198.51.100.7" }],
    ["a wrong external id", { ...good, "sts:ExternalId": "guess" }],
    ["another source identity", { ...good, "sts:SourceIdentity": "mallory" }],
    ["one second after the end", { ...good, "aws:CurrentTime": "2030-01-01T13:00:01Z" }],
    ["exactly the end", { ...good, "aws:CurrentTime": END }],
    ["one second before the start", { ...good, "aws:CurrentTime": "2030-01-01T08:59:59Z" }],
  ];
  for (const [name, context] of wrong) it(`denies the assumption with ${name}`, () => expect(assume(context).allowed).to.equal(false));
  it("denies another principal with everything else right", () => expect(assume(good, `arn:aws:iam::${ACCOUNT}:user/mallory`).allowed).to.equal(false));

  describe("permissions: template, end-time deny, network deny, boundary", () => {
    const permissions = permissionsPolicy(renderTemplate(readTemplate("developer"), VARS), grant);
    const boundary = boundaryPolicy("developer");
    const call = (context: Record<string, string>, action = "s3:GetObject", resource = "arn:aws:s3:::payments-data/report.csv") =>
      evaluateRequest({ identity: [permissions], boundary }, { principal: ROLE, action, resource, context });
    const inside = { "aws:SourceIp": "203.0.113.7", "aws:CurrentTime": "2030-01-01T12:00:00Z", "aws:ViaAWSService": "false" };

    it("allows the template's actions on the project's resources, inside the window, from an allowed IP", () => {
      expect(call(inside).decision).to.equal("Allow");
      expect(call(inside, "s3:GetObject", "arn:aws:s3:::other-team/x").decision).to.equal("ImplicitDeny");
    });
    it("denies everything one second after the end, even with valid credentials", () => expect(call({ ...inside, "aws:CurrentTime": "2030-01-01T13:00:01Z" }).decision).to.equal("ExplicitDeny"));
    it("denies calls from outside the CIDRs but not calls AWS services make on the caller's behalf", () => {
      expect(call({ ...inside, "aws:SourceIp": "198.51.100.7" }).decision).to.equal("ExplicitDeny");
      expect(call({ ...inside, "aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": "true" }).decision).to.equal("Allow");
    });
  });

  for (const tier of VENDING_TIERS) {
    it(`the ${tier} boundary denies every forbidden action, whatever the identity policy allows`, () => {
      const adminIdentity = { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
      for (const action of FORBIDDEN_ACTIONS) {
        const r = evaluateRequest({ identity: [adminIdentity], boundary: boundaryPolicy(tier) }, { principal: ROLE, action, resource: "*" });
        expect(r.decision, action).to.equal("ExplicitDeny");
      }
    });
    it(`the ${tier} template renders to policies that pass validation`, () => {
      const permissions = permissionsPolicy(renderTemplate(readTemplate(tier), VARS), grant);
      expect(validateRolePolicies(tier, trustPolicy(grant), permissions)).to.deep.equal([]);
    });
  }

  it("the admin boundary still allows ordinary administration", () => {
    const r = evaluateRequest({ identity: [{ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }], boundary: boundaryPolicy("admin") }, { principal: ROLE, action: "ec2:RunInstances", resource: "*" });
    expect(r.decision).to.equal("Allow");
    expect(BOUNDARY_DENIED_PATTERNS).to.include("organizations:*");
  });

  it("validation rejects a template allowing what the boundary denies, oversize policies and bad templates", () => {
    const bad = renderTemplate('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}', VARS);
    expect(validateRolePolicies("developer", trustPolicy(grant), permissionsPolicy(bad, grant)).join()).to.match(/iam:CreateUser.*developer boundary denies/);
    const many = trustPolicy({ ...grant, cidrs: Array.from({ length: 150 }, (_, i) => `10.${i}.0.0/16`) });
    expect(validateRolePolicies("developer", many, permissionsPolicy(renderTemplate(readTemplate("developer"), VARS), grant)).join()).to.match(/trust policy is \d+ characters/);
    expect(() => renderTemplate('{"a":"{{secret}}"}', VARS)).to.throw(/unknown template variable/);
    expect(() => renderTemplate('{"a": {{project_id}} ', VARS)).to.throw(/not valid JSON/);
    expect(renderTemplate('{"Statement":[],"x":"{{ user_id }}"}', { ...VARS, user_id: 'a"b' })).to.deep.include({ x: 'a"b' });
  });

  it("MaxSessionDuration: min(12 h, grant), at least 1 h", () => {
    expect(maxSessionSeconds(START, "2030-01-01T09:15:00Z")).to.equal(3600);
    expect(maxSessionSeconds(START, END)).to.equal(4 * 3600);
    expect(maxSessionSeconds(START, "2030-01-02T21:00:00Z")).to.equal(12 * 3600);
  });
});

describe("iam-policy role-vending: the vendor's own permissions", () => {
  const vendor = { Statement: vendorIamStatements({ accountId: ACCOUNT, namePrefix: "csp-dev" }) };
  const path = vendingPath("csp-dev");
  const inPath = `arn:aws:iam::${ACCOUNT}:role${path}csp-dev-g-1`;
  const boundary = boundaryPolicyArn(ACCOUNT, "csp-dev", "developer");
  const vendorRole = `arn:aws:iam::${ACCOUNT}:role/csp-dev-role-vending-api`;
  const act = (action: string, resource: string, context: Record<string, string> = {}) => evaluateRequest({ identity: [vendor] }, { principal: vendorRole, action, resource, context });

  it("creates a role under the vending path with a tier boundary", () => {
    expect(act("iam:CreateRole", inPath, { "iam:PermissionsBoundary": boundary }).decision).to.equal("Allow");
    expect(act("iam:PutRolePolicy", inPath, { "iam:PermissionsBoundary": boundary }).decision).to.equal("Allow");
  });
  it("cannot create a role without a boundary, with another boundary, or outside the path", () => {
    expect(act("iam:CreateRole", inPath).decision).to.equal("ExplicitDeny");
    expect(act("iam:CreateRole", inPath, { "iam:PermissionsBoundary": `arn:aws:iam::aws:policy/AdministratorAccess` }).decision).to.equal("ExplicitDeny");
    expect(act("iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/admin`, { "iam:PermissionsBoundary": boundary }).allowed).to.equal(false);
    expect(act("iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/csp-dev-role-vending-api`, { "iam:PermissionsBoundary": boundary }).allowed).to.equal(false);
  });
  it("can never remove a boundary, edit a boundary policy, attach managed policies or pass a role", () => {
    expect(act("iam:DeleteRolePermissionsBoundary", inPath).decision).to.equal("ExplicitDeny");
    expect(act("iam:CreatePolicyVersion", boundary).decision).to.equal("ExplicitDeny");
    expect(act("iam:SetDefaultPolicyVersion", boundary).decision).to.equal("ExplicitDeny");
    expect(act("iam:AttachRolePolicy", inPath, { "iam:PermissionsBoundary": boundary }).allowed).to.equal(false);
    expect(act("iam:PassRole", inPath).decision).to.equal("ExplicitDeny");
  });
  it("deletes roles only under the path", () => {
    expect(act("iam:DeleteRole", inPath).decision).to.equal("Allow");
    expect(act("iam:DeleteRole", `arn:aws:iam::${ACCOUNT}:role/prod-admin`).allowed).to.equal(false);
  });
});

describe("iam-policy role-vending: no vended session can change role vending itself", () => {
  const SUBSYSTEM = "csp-dev-role-vending";
  const anything = { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
  const attacks: [string, string][] = [
    // A hand-made API Gateway event names any caller, e.g. an approver approving your admin request.
    ["lambda:InvokeFunction", `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${SUBSYSTEM}-api`],
    // APPROVERS / TIERS (approvals) live in the vendor's environment.
    ["lambda:UpdateFunctionConfiguration", `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${SUBSYSTEM}-api`],
    ["lambda:UpdateFunctionCode", `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${SUBSYSTEM}-cleanup`],
    ["dynamodb:UpdateItem", `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/${SUBSYSTEM}-grants`],
    ["s3:PutObject", `arn:aws:s3:::${SUBSYSTEM}-templates/templates/admin.json`],
    ["cloudwatch:DisableAlarmActions", `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:${SUBSYSTEM}-break-glass-use`],
    ["events:DisableRule", `arn:aws:events:eu-west-1:${ACCOUNT}:rule/${SUBSYSTEM}-assume-events`],
    ["sns:Unsubscribe", `arn:aws:sns:eu-west-1:${ACCOUNT}:${SUBSYSTEM}-alarms`],
    ["logs:DeleteLogGroup", `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/lambda/${SUBSYSTEM}-api`],
  ];
  for (const tier of VENDING_TIERS) {
    it(`the ${tier} boundary denies every change to the role-vending subsystem`, () => {
      for (const [action, resource] of attacks) {
        const r = evaluateRequest({ identity: [anything], boundary: boundaryPolicy(tier, SUBSYSTEM) }, { principal: ROLE, action, resource });
        expect(r.decision, `${action} on ${resource}`).to.equal("ExplicitDeny");
      }
    });
  }
  it("still lets a developer work on the project's own functions and tables", () => {
    const boundary = boundaryPolicy("developer", SUBSYSTEM);
    expect(evaluateRequest({ identity: [anything], boundary }, { principal: ROLE, action: "lambda:UpdateFunctionCode", resource: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:payments-api` }).decision).to.equal("Allow");
    expect(evaluateRequest({ identity: [anything], boundary }, { principal: ROLE, action: "dynamodb:PutItem", resource: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/payments` }).decision).to.equal("Allow");
  });
});
