import { expect } from "chai";
import { Testing } from "cdktf";
import { RoleVendingStack } from "../../../stacks/role-vending/role-vending-stack";
import { ROUTES, TIERS } from "../../../functions/shared/contracts/role-vending-api";
import { evaluateRequest } from "../../../functions/shared/iam-policy/evaluate";
import { ensureBundles } from "../../support/bundles";
import { resources, synth, testConfig, type Synthesized } from "../../support/synth";

describe("role-vending stack", () => {
  let out: Synthesized;
  before(async function () {
    this.timeout(120000);
    await ensureBundles();
    out = synth(new RoleVendingStack(Testing.app(), testConfig()));
  });

  const roleStatements = (functionName: string) => {
    const [id] = Object.entries(out.resource.aws_iam_role).find(([, r]) => r.name === functionName)!;
    return JSON.parse(resources(out, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${id}.id}`)!.policy).Statement as object[];
  };

  it("stores grants in an on-demand table with PITR, the stack's key, deletion protection, TTL and both indexes", () => {
    const [table] = resources(out, "aws_dynamodb_table");
    expect(table).to.include({ billing_mode: "PAY_PER_REQUEST", deletion_protection_enabled: true, hash_key: "pk", range_key: "sk" });
    expect(table.point_in_time_recovery).to.deep.equal({ enabled: true });
    expect(table.server_side_encryption.enabled).to.equal(true);
    expect(table.server_side_encryption.kms_key_arn).to.match(/aws_kms_key/);
    expect(table.ttl).to.deep.equal({ attribute_name: "expiresAt", enabled: true });
    expect(table.global_secondary_index.map((i: { name: string }) => i.name).sort()).to.deep.equal(["by-requester", "by-status-end"]);
  });

  it("builds every contract route, IAM-authorized with a validator, behind an MFA and source-IP resource policy", () => {
    const methods = resources(out, "aws_api_gateway_method");
    expect(methods.map((m) => m.http_method).sort()).to.deep.equal(Object.values(ROUTES).map((r) => r.method).sort());
    for (const m of methods) {
      expect(m.authorization).to.equal("AWS_IAM");
      expect(m.request_validator_id).to.be.a("string");
    }
    expect(resources(out, "aws_api_gateway_resource").map((r) => r.path_part).sort()).to.deep.equal(["approve", "deny", "grants", "{id}"]);
    const policy = JSON.parse(resources(out, "aws_api_gateway_rest_api_policy")[0]!.policy);
    // The resource policy names the account: the caller also needs an identity policy (the stack's invoke policy).
    const mayInvoke = { Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: "execute-api:/*" }] };
    const invoke = (context: Record<string, string>, identity: object[] = [mayInvoke]) =>
      evaluateRequest({ identity, resource: policy }, { principal: "arn:aws:iam::111111111111:user/alice", action: "execute-api:Invoke", resource: "execute-api:/v1/GET/grants", context });
    expect(invoke({ "aws:SourceIp": "203.0.113.5", "aws:MultiFactorAuthPresent": "true" }).allowed).to.equal(true);
    expect(invoke({ "aws:SourceIp": "203.0.113.5", "aws:MultiFactorAuthPresent": "true" }, []).allowed).to.equal(false);
    expect(invoke({ "aws:SourceIp": "203.0.113.5" }).allowed).to.equal(false);
    expect(invoke({ "aws:SourceIp": "198.51.100.5", "aws:MultiFactorAuthPresent": "true" }).allowed).to.equal(false);
    const [settings] = resources(out, "aws_api_gateway_method_settings");
    expect(settings.settings).to.include({ metrics_enabled: true });
  });

  it("creates one boundary per tier under the vending path and uploads every template", () => {
    const policies = resources(out, "aws_iam_policy").filter((p) => /boundary/.test(p.name));
    expect(policies.map((p) => p.name).sort()).to.deep.equal(TIERS.map((t) => `csp-dev-boundary-${t}`).sort());
    for (const p of policies) expect(p.path).to.equal("/role-vending/csp-dev/");
    expect(resources(out, "aws_s3_object").map((o) => o.key).sort()).to.deep.equal(TIERS.map((t) => `templates/${t}.json`).sort());
  });

  it("deploys boundaries that keep vended sessions off the vendor's own function, table and templates", () => {
    const anything = { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
    const api = resources(out, "aws_lambda_function").find((f) => /-api$/.test(f.function_name))!;
    const table = resources(out, "aws_dynamodb_table")[0]!;
    const templates = resources(out, "aws_s3_bucket").find((b) => /-templates$/.test(b.bucket))!;
    for (const p of resources(out, "aws_iam_policy").filter((x) => /boundary/.test(x.name))) {
      const boundary = JSON.parse(p.policy);
      const decide = (action: string, resource: string) => evaluateRequest({ identity: [anything], boundary }, { principal: "arn:aws:sts::111111111111:assumed-role/x/y", action, resource }).decision;
      expect(decide("lambda:InvokeFunction", `arn:aws:lambda:eu-west-1:111111111111:function:${api.function_name}`), p.name).to.equal("ExplicitDeny");
      expect(decide("lambda:UpdateFunctionConfiguration", `arn:aws:lambda:eu-west-1:111111111111:function:${api.function_name}`), p.name).to.equal("ExplicitDeny");
      expect(decide("dynamodb:PutItem", `arn:aws:dynamodb:eu-west-1:111111111111:table/${table.name}`), p.name).to.equal("ExplicitDeny");
      expect(decide("s3:PutObject", `arn:aws:s3:::${templates.bucket}/templates/admin.json`), p.name).to.equal("ExplicitDeny");
    }
  });

  it("gives the vendor role creation only with a boundary and no PassRole; cleanup cannot create roles", () => {
    const api = roleStatements("csp-dev-role-vending-api");
    const create = (context: Record<string, string>) =>
      evaluateRequest({ identity: [{ Statement: api }] }, { principal: "arn:aws:iam::111111111111:role/csp-dev-role-vending-api", action: "iam:CreateRole", resource: "arn:aws:iam::111111111111:role/role-vending/csp-dev/csp-dev-g-1", context });
    expect(create({ "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/role-vending/csp-dev/csp-dev-boundary-admin" }).allowed).to.equal(true);
    expect(create({}).allowed).to.equal(false);
    expect(JSON.stringify(api)).to.not.match(/"Action":"iam:PassRole","Resource"[^}]*"Effect":"Allow"/);
    const cleanup = roleStatements("csp-dev-role-vending-cleanup");
    const r = evaluateRequest({ identity: [{ Statement: cleanup }] }, { principal: "x", action: "iam:CreateRole", resource: "arn:aws:iam::111111111111:role/role-vending/csp-dev/x", context: { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/role-vending/csp-dev/csp-dev-boundary-admin" } });
    expect(r.allowed).to.equal(false);
    const report = JSON.stringify(roleStatements("csp-dev-role-vending-report"));
    expect(report).to.not.match(/dynamodb:PutItem|iam:Create|iam:Delete/);
  });

  it("runs cleanup every 5 minutes and opts the AssumeRole rule in to read-only management events", () => {
    const rules = resources(out, "aws_cloudwatch_event_rule");
    expect(rules.find((r) => /cleanup/.test(r.name))!.schedule_expression).to.equal("rate(5 minutes)");
    const assume = rules.find((r) => /assume-events/.test(r.name))!;
    expect(assume.state).to.equal("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
    expect(JSON.parse(assume.event_pattern).detail.eventName).to.deep.equal(["AssumeRole"]);
  });

  it("alarms on break-glass grants and uses, failed assumptions, cleanup errors and 80 % of the role quota", () => {
    const alarms = resources(out, "aws_cloudwatch_metric_alarm").map((a) => `${a.metric_name}:${a.threshold}`);
    expect(alarms).to.include.members(["BreakGlassGrants:1", "BreakGlassUses:1", "FailedAssumptions:10", "CleanupErrors:1", "RoleQuotaUsedPercent:80"]);
  });
});
