import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { Construct } from "constructs";
import noFullAdmin from "../../../stacks/rules/iam-policy-no-full-admin";
import noWildcardResource from "../../../stacks/rules/iam-policy-no-wildcard-resource";
import passRole from "../../../stacks/rules/iam-policy-pass-role-scoped";
import viaService from "../../../stacks/rules/iam-policy-kms-use-via-service";
import escalation from "../../../stacks/rules/iam-role-no-privilege-escalation";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "../../../stacks/constructs/policy-document";
import { fakeFunction } from "../../support/synth";
import { expectStatus, judge } from "./support";

/** A NodeFunction whose role holds `statements` (its own log statement comes first). */
const fnWith = (...statements: PolicyStatement[]) => (scope: Construct) => {
  const { fn } = fakeFunction(scope, "fn");
  for (const s of statements) fn.addToRolePolicy(s);
};
const policy = (...statements: PolicyStatement[]) => (scope: Construct) => new IamPolicy(scope, "p", { name: "p", policy: policyDocument(statements) });
const KEY = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("IAM rules", () => {
  it("iam-policy-no-full-admin: named actions pass; `*`, `*:*` and NotAction fail", () => {
    expectStatus(judge(noFullAdmin, fnWith({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" })), "fn/role", "compliant");
    expectStatus(judge(noFullAdmin, fnWith({ Effect: "Allow", Action: "*", Resource: "*" })), "fn/role", "non-compliant");
    expectStatus(judge(noFullAdmin, policy({ Effect: "Allow", Action: "*:*", Resource: "*" })), "p", "non-compliant");
  });

  it("iam-policy-no-wildcard-resource: resourceless actions may use \"*\"; others must name resources", () => {
    expectStatus(judge(noWildcardResource, fnWith({ Effect: "Allow", Action: ["s3:ListAllMyBuckets", "kms:ListAliases"], Resource: "*" })), "fn/role", "compliant");
    expectStatus(judge(noWildcardResource, fnWith({ Sid: "Read", Effect: "Allow", Action: ["s3:ListAllMyBuckets", "s3:GetBucketPolicy"], Resource: "*" })), "fn/role", "non-compliant", "s3:GetBucketPolicy on \"*\"");
  });

  it("iam-policy-no-wildcard-resource reads data.aws_iam_policy_document and judges attached policies on their own", () => {
    const findings = judge(noWildcardResource, (scope) => {
      const doc = new DataAwsIamPolicyDocument(scope, "doc", { statement: [{ actions: ["dynamodb:PutItem"], resources: ["*"] }] });
      const p = new IamPolicy(scope, "p", { name: "p", policy: doc.json });
      const role = new IamRole(scope, "role", { name: "r", assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", "111111111111") });
      new IamRolePolicyAttachment(scope, "attach", { role: role.name, policyArn: p.arn });
    });
    expectStatus(findings, "p", "non-compliant", "dynamodb:PutItem");
    expectStatus(findings, "role", "not-applicable");
  });

  it("iam-policy-pass-role-scoped: named roles to a named service pass; a wildcard role or no service condition fails", () => {
    const good = { Effect: "Allow" as const, Action: "iam:PassRole", Resource: "arn:aws:iam::111111111111:role/worker", Condition: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } } };
    expectStatus(judge(passRole, fnWith(good)), "fn/role", "compliant");
    expectStatus(judge(passRole, fnWith({ ...good, Resource: "arn:aws:iam::111111111111:role/*" })), "fn/role", "non-compliant", "name the roles");
    expectStatus(judge(passRole, fnWith({ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::111111111111:role/worker" })), "fn/role", "non-compliant", "iam:PassedToService");
    expectStatus(judge(passRole, fnWith({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" })), "fn/role", "not-applicable");
  });

  it("iam-policy-kms-use-via-service: kms:ViaService or an encryption context passes; a bare Decrypt fails", () => {
    expectStatus(judge(viaService, fnWith({ Effect: "Allow", Action: "kms:Decrypt", Resource: KEY, Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } } })), "fn/role", "compliant");
    expectStatus(judge(viaService, fnWith({ Effect: "Allow", Action: "kms:Decrypt", Resource: KEY, Condition: { StringEquals: { "kms:EncryptionContext:app": "x" } } })), "fn/role", "compliant");
    expectStatus(judge(viaService, fnWith({ Sid: "Bare", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: KEY })), "fn/role", "non-compliant", "\"Bare\"");
  });

  it("iam-role-no-privilege-escalation: CreateRole + AttachRolePolicy needs a permissions boundary, across inline and attached policies", () => {
    const boundary = { StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/tier-boundary" } };
    const combo = (condition?: object) => (scope: Construct) => {
      const { fn } = fakeFunction(scope, "fn");
      fn.addToRolePolicy({ Effect: "Allow", Action: "iam:CreateRole", Resource: "arn:aws:iam::111111111111:role/vended-*", ...(condition ? { Condition: condition as never } : {}) });
      const attach = new IamPolicy(scope, "attach-policy", {
        name: "attach",
        policy: policyDocument([{ Effect: "Allow", Action: "iam:AttachRolePolicy", Resource: "arn:aws:iam::111111111111:role/vended-*", ...(condition ? { Condition: condition as never } : {}) }]),
      });
      new IamRolePolicyAttachment(scope, "attach", { role: fn.role.name, policyArn: attach.arn });
    };
    expectStatus(judge(escalation, combo(boundary)), "fn/role", "compliant");
    expectStatus(judge(escalation, combo()), "fn/role", "non-compliant", "iam:PermissionsBoundary");
    expectStatus(judge(escalation, fnWith({ Effect: "Allow", Action: "iam:CreatePolicyVersion", Resource: "*" })), "fn/role", "non-compliant", "iam:CreatePolicyVersion");
  });

  it("iam-role-no-privilege-escalation: a negated boundary condition does not bound (StringNotEquals allows every other boundary, and none)", () => {
    const notBoundary = { StringNotEquals: { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/tier-boundary" } };
    const both = { Effect: "Allow" as const, Action: ["iam:CreateRole", "iam:AttachRolePolicy"], Resource: "arn:aws:iam::111111111111:role/vended-*", Condition: notBoundary };
    expectStatus(judge(escalation, fnWith(both)), "fn/role", "non-compliant", "iam:PermissionsBoundary");
    const arnBoundary = { ArnEquals: { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/tier-boundary" } };
    expectStatus(judge(escalation, fnWith({ ...both, Condition: arnBoundary })), "fn/role", "compliant");
  });

  it("iam-role-no-privilege-escalation: unconditioned AttachRolePolicy / PutRolePolicy escalate on their own (the holder can grant its own role anything)", () => {
    expectStatus(judge(escalation, fnWith({ Effect: "Allow", Action: "iam:PutRolePolicy", Resource: "arn:aws:iam::111111111111:role/*" })), "fn/role", "non-compliant", "iam:PutRolePolicy");
    expectStatus(judge(escalation, fnWith({ Effect: "Allow", Action: "iam:AttachRolePolicy", Resource: "*" })), "fn/role", "non-compliant", "iam:AttachRolePolicy");
    const notAction = (scope: Construct) => new IamPolicy(scope, "p", { name: "p", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", NotAction: "s3:*", Resource: "*" }] }) });
    expectStatus(judge(escalation, notAction), "p", "non-compliant", "iam:AttachRolePolicy");
  });

  it("iam-policy-no-full-admin: an attached AWS-managed AdministratorAccess or IAMFullAccess fails the role", () => {
    const withManaged = (arn: string) => (scope: Construct) => {
      const { fn } = fakeFunction(scope, "fn");
      new IamRolePolicyAttachment(scope, "admin", { role: fn.role.name, policyArn: arn });
    };
    expectStatus(judge(noFullAdmin, withManaged("arn:aws:iam::aws:policy/AdministratorAccess")), "fn/role", "non-compliant", "AdministratorAccess");
    expectStatus(judge(noFullAdmin, withManaged("arn:aws:iam::aws:policy/IAMFullAccess")), "fn/role", "non-compliant", "IAMFullAccess");
    expectStatus(judge(noFullAdmin, withManaged("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")), "fn/role", "compliant");
  });
});
