import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { RULES } from "../../../stacks/rules/catalogue";
import { formatCatalogue } from "../../../stacks/rules/report";
import type { Rule } from "../../../stacks/rules/rule";

const RULES_DIR = resolve(__dirname, "..", "..", "..", "stacks", "rules");
const INFRASTRUCTURE = new Set(["rule.ts", "catalogue.ts", "evaluate.ts", "exceptions.ts", "guardrails.ts", "report.ts"]);

describe("rule catalogue", () => {
  it("lists every rule file once, each named after its id", () => {
    const files = readdirSync(RULES_DIR).filter((f) => f.endsWith(".ts") && !INFRASTRUCTURE.has(f));
    for (const file of files) {
      const rule = (require(join(RULES_DIR, file)) as { default: Rule }).default;
      expect(rule.id, file).to.equal(file.replace(/\.ts$/, ""));
      expect(RULES, `${file} is not in catalogue.ts`).to.include(rule);
    }
    expect(RULES).to.have.length(files.length);
    expect(new Set(RULES.map((r) => r.id)).size).to.equal(RULES.length);
  });

  it("gives every rule what it expects, why, how to fix, and the resource types it judges", () => {
    for (const r of RULES) {
      for (const text of [r.expects, r.why, r.fix]) expect(text.length, r.id).to.be.greaterThan(15);
      expect(r.resourceTypes.length, r.id).to.be.greaterThan(0);
    }
  });

  it("covers every resource family the guardrails issue lists", () => {
    const types = new Set(RULES.flatMap((r) => r.resourceTypes));
    for (const type of [
      "aws_s3_bucket", "aws_kms_key", "aws_lambda_function", "aws_lambda_permission", "aws_api_gateway_method", "aws_api_gateway_stage", "aws_iam_role", "aws_iam_policy",
      "aws_dynamodb_table", "aws_secretsmanager_secret", "aws_sns_topic", "aws_sqs_queue", "aws_cloudwatch_log_group", "aws_db_instance", "aws_rds_cluster", "aws_db_proxy",
      "aws_security_group", "aws_cloudwatch_event_target",
    ]) {
      expect(types.has(type), type).to.equal(true);
    }
  });

  it("is documented in docs/guardrails.md exactly as the rules define it", () => {
    const doc = readFileSync(resolve(__dirname, "..", "..", "..", "docs", "guardrails.md"), "utf8");
    const section = /<!-- catalogue:start[^>]*-->\n([\s\S]*?)\n<!-- catalogue:end -->/.exec(doc)?.[1];
    expect(section, "run `npm run check:iac -- --catalogue` and paste it into docs/guardrails.md").to.equal(formatCatalogue(RULES));
  });
});
