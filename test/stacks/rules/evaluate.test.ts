import { expect } from "chai";
import { exceptionMatches, globToRegExp, judgeStack, staleExceptions, type Finding } from "../../../stacks/rules/evaluate";
import { defineRule, nonCompliant } from "../../../stacks/rules/rule";
import { StackModel } from "../../../stacks/rules/support/stack-model";

describe("rule evaluation", () => {
  it("matches construct-path globs: * within a segment, ** across segments", () => {
    expect(globToRegExp("cspm-*/mongodb-secret").test("cspm-prod/mongodb-secret")).to.equal(true);
    expect(globToRegExp("cspm-*/mongodb-secret").test("cspm-prod/x/mongodb-secret")).to.equal(false);
    expect(globToRegExp("cspm-dev/**").test("cspm-dev/a/b/c")).to.equal(true);
    expect(globToRegExp("a.b/c").test("aXb/c")).to.equal(false);
  });

  it("applies an exception only in the environments it names", () => {
    const exception = { rule: "r-x", resource: "s/*", reason: "r", acceptedBy: "a", environments: ["prod" as const] };
    expect(exceptionMatches(exception, { rule: "r-x", path: "s/a", environment: "prod" })).to.equal(true);
    expect(exceptionMatches(exception, { rule: "r-x", path: "s/a", environment: "dev" })).to.equal(false);
    expect(exceptionMatches(exception, { rule: "r-y", path: "s/a", environment: "prod" })).to.equal(false);
  });

  it("reports a rule that throws as non-compliant, never as a pass", () => {
    const broken = defineRule({ id: "test-broken-rule", expects: "e", why: "w", fix: "f", level: "error", resourceTypes: ["aws_sns_topic"], check: () => { throw new Error("boom"); } });
    const model = new StackModel("s", { resource: { aws_sns_topic: { t: { name: "t" } } } });
    const [finding] = judgeStack(model, [broken]);
    expect(finding).to.include({ status: "non-compliant", path: "s/t" });
    expect(finding!.message).to.match(/could not judge this resource \(boom\)/);
    expect(judgeStack(model, [defineRule({ ...broken, check: () => nonCompliant("x") })])[0]).to.include({ message: "x" });
  });

  it("refuses rule ids that are not kebab-case", () => {
    expect(() => defineRule({ id: "Bad_Id", expects: "e", why: "w", fix: "f", level: "error", resourceTypes: [], check: () => nonCompliant("x") })).to.throw(/kebab-case/);
  });

  it("staleExceptions: an exception whose resources all comply now (the risk was fixed) is stale, one still excusing a failure is not", () => {
    const rule = defineRule({ id: "test-rule", expects: "e", why: "w", fix: "f", level: "error", resourceTypes: ["aws_s3_bucket"], check: () => nonCompliant("x") });
    const finding = (status: Finding["status"]): Finding => ({ stack: "s", rule: "test-rule", level: "error", type: "aws_s3_bucket", address: "aws_s3_bucket.b", path: "s/b", status, message: "m" });
    const exception = { rule: "test-rule", resource: "s/b", reason: "test", acceptedBy: "test" };
    expect(staleExceptions([exception], [finding("non-compliant")], "dev", [rule])).to.deep.equal([]);
    expect(staleExceptions([exception], [finding("compliant")], "dev", [rule]).map((s) => s.problem)).to.deep.equal(["excuses nothing in dev (every matching resource complies): remove it"]);
  });
});
