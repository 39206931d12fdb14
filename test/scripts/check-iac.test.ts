import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { checkEnvironments } from "../../scripts/check-iac";
import { formatJson, formatSarif, formatTable, reportFails, type Report } from "../../stacks/rules/report";
import { RULES } from "../../stacks/rules/catalogue";
import { EXCEPTIONS } from "../../stacks/rules/exceptions";
import { ENVIRONMENTS } from "../../stacks/config";
import { ensureBundles } from "../support/bundles";
import type { Finding } from "../../stacks/rules/evaluate";

const failing: Finding = { environment: "dev", stack: "x-dev", rule: "sns-topic-kms-encrypted", level: "error", type: "aws_sns_topic", address: "aws_sns_topic.t", path: "x-dev/t", status: "non-compliant", message: "set kms_master_key_id" };

describe("npm run check:iac", () => {
  let report: Report;
  before(async function () {
    this.timeout(120000);
    await ensureBundles();
    report = checkEnvironments(ENVIRONMENTS);
  });

  it("judges every stack of every environment and passes today's app, with only the listed exceptions", () => {
    expect(new Set(report.findings.map((f) => f.environment))).to.deep.equal(new Set(ENVIRONMENTS));
    expect([...new Set(report.findings.map((f) => f.stack))]).to.include.members(["cspm-dev", "role-vending-staging", "redshift-agent-prod"]);
    expect(reportFails(report)).to.equal(false);
    const excepted = report.findings.filter((f) => f.exception);
    expect(new Set(excepted.map((f) => f.exception))).to.have.property("size", EXCEPTIONS.length);
    expect(excepted.map((f) => `${f.environment} ${f.path}`).sort()).to.deep.equal(
      [
        "dev credentials-dev/trigger/function/this",
        "dev cspm-dev/mongodb-secret/Default",
        "prod cspm-prod/mongodb-secret/Default",
        "staging credentials-staging/trigger/function/this",
        "staging cspm-staging/mongodb-secret/Default",
        ...["dev", "staging"].map((e) => `${e} role-vending-${e}/functions/assume-events/this`),
        ...["dev", "staging", "prod"].flatMap((e) => ["admin", "break-glass", "developer", "read-only"].map((t) => `${e} role-vending-${e}/functions/boundary-${t}`)),
      ].sort(),
    );
  });

  it("prints a rules × resources table per stack and environment", () => {
    const table = formatTable(report);
    expect(table).to.match(/^cspm-dev \(dev\): \d+ pass, 0 fail/m);
    expect(table).to.match(/PASS {6}cspm-prod\/kms-audit-api\/stage +apigateway-stage-execution-logged +execution logging ERROR with metrics/);
    expect(table).to.match(/EXCEPTED +cspm-dev\/mongodb-secret\/Default +secretsmanager-secret-rotated/);
    expect(table).to.match(/^Total: \d+ pass, 0 fail/m);
  });

  it("fails on a violation or a stale exception, and says which in JSON and SARIF", () => {
    const bad: Report = { findings: [...report.findings, failing], stale: [{ exception: EXCEPTIONS[0]!, problem: "matches no resource in dev" }] };
    expect(reportFails(bad)).to.equal(true);
    const json = JSON.parse(formatJson(bad));
    expect(json.fails).to.equal(true);
    expect(json.summary).to.include({ FAIL: 1, stale: 1 });
    const sarif = JSON.parse(formatSarif(bad, RULES));
    expect(sarif.version).to.equal("2.1.0");
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).to.deep.equal(RULES.map((r) => r.id));
    const result = run.results.find((r: { ruleId: string; locations: { logicalLocations: { fullyQualifiedName: string }[] }[] }) => r.ruleId === "sns-topic-kms-encrypted" && r.locations[0].logicalLocations[0].fullyQualifiedName === "x-dev/t");
    expect(result).to.deep.include({ level: "error", ruleIndex: RULES.findIndex((r) => r.id === "sns-topic-kms-encrypted") });
    expect(result.locations[0].physicalLocation.artifactLocation.uri).to.equal("cdktf.out/stacks/x-dev/cdk.tf.json");
    const suppressed = run.results.find((r: { ruleId: string }) => r.ruleId === "secretsmanager-secret-rotated");
    expect(suppressed.suppressions[0]).to.include({ status: "accepted" });
    expect(run.invocations[0].executionSuccessful).to.equal(false);
  });

  it("exits 0 on today's app and 2 with a sentence on bad usage", function () {
    this.timeout(60000);
    const tsx = require.resolve("tsx/cli");
    const root = resolve(__dirname, "..", "..");
    const ok = spawnSync(process.execPath, [tsx, "scripts/check-iac.ts", "--env", "dev", "--json"], { cwd: root, encoding: "utf8" });
    expect(ok.status, ok.stderr).to.equal(0);
    expect(JSON.parse(ok.stdout).fails).to.equal(false);
    const usage = spawnSync(process.execPath, [tsx, "scripts/check-iac.ts", "--env", "qa"], { cwd: root, encoding: "utf8" });
    expect(usage.status).to.equal(2);
    expect(usage.stderr).to.match(/qa.*invalid|Allowed choices/i);
  });
});
