import { expect } from "chai";
import { App, TerraformStack } from "cdktf";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { applyGuardrails, GuardrailsError } from "../../../stacks/rules/guardrails";
import type { AcceptedRisk } from "../../../stacks/rules/exceptions";
import { ENVIRONMENTS, loadConfig } from "../../../stacks/config";
import { addStacks } from "../../../main";
import { ensureBundles } from "../../support/bundles";
import { fakeFunction } from "../../support/synth";
import { PrivateBucket } from "../../../stacks/constructs/private-bucket";
import { stackKey } from "./support";

/** An app with one deliberately insecure stack: an open bucket and an unpinned invoke permission. */
function insecureApp(exceptions: readonly AcceptedRisk[], warnings: string[] = []): App {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), "guardrails-")), stackTraces: false });
  const stack = new TerraformStack(app, "insecure");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new S3Bucket(stack, "open-bucket", { bucket: "open" });
  const { fn } = fakeFunction(stack, "fn");
  new LambdaPermission(stack, "any-api", { functionName: fn.function.functionName, action: "lambda:InvokeFunction", principal: "apigateway.amazonaws.com" });
  const safe = new TerraformStack(app, "safe");
  new AwsProvider(safe, "aws", { region: "eu-west-1" });
  new PrivateBucket(safe, "bucket", { bucketName: "safe", kmsKey: stackKey(safe), accessLogBucket: "logs" });
  applyGuardrails(app, { environment: "dev", accountId: "111111111111", exceptions, warn: (l) => warnings.push(l) });
  return app;
}

function synthError(app: App): GuardrailsError {
  try {
    app.synth();
  } catch (error) {
    if (error instanceof GuardrailsError) return error;
    throw error;
  }
  throw new Error("synth passed");
}

describe("guardrails during synth", () => {
  it("stops synth of an insecure stack with one line per violation: stack, construct path, rule, fix", () => {
    const app = insecureApp([]);
    const error = synthError(app);
    expect(error.message).to.match(/^synth stopped: 7 guardrail violations in insecure/);
    expect(error.lines).to.include.members([
      "insecure  insecure/open-bucket  s3-bucket-public-access-blocked: add an aws_s3_bucket_public_access_block for this bucket with all four flags true",
      "insecure  insecure/open-bucket  s3-bucket-tls-only-policy: add an aws_s3_bucket_policy denying requests where aws:SecureTransport is false",
      "insecure  insecure/any-api  lambda-permission-source-pinned: set source_arn to the resource that invokes the function",
    ]);
    for (const line of error.lines) expect(line).to.match(/^insecure {2}insecure\/\S+ {2}[a-z0-9-]+: .+/);
    // Judged before writing: the insecure stack's Terraform never reaches the output folder.
    expect(existsSync(join(app.outdir, "stacks", "insecure", "cdk.tf.json"))).to.equal(false);
  });

  it("an exception silences exactly the one resource and rule it names", () => {
    const exception: AcceptedRisk = { rule: "lambda-permission-source-pinned", resource: "insecure/any-api", reason: "test", acceptedBy: "test" };
    const error = synthError(insecureApp([exception]));
    expect(error.lines).to.have.length(6);
    expect(error.lines.some((l) => l.includes("insecure/any-api"))).to.equal(false);
    const globbed = synthError(insecureApp([{ ...exception, rule: "s3-bucket-kms-encrypted", resource: "insecure/open-*" }]));
    expect(globbed.lines.filter((l) => l.includes("s3-bucket-kms-encrypted"))).to.have.length(0);
    expect(globbed.lines).to.have.length(6);
  });

  it("fails synth on an exception that matches no resource (or no rule), once the stacks are clean", () => {
    const all: AcceptedRisk[] = [
      "s3-bucket-public-access-blocked",
      "s3-bucket-tls-only-policy",
      "s3-bucket-kms-encrypted",
      "s3-bucket-versioning-enabled",
      "s3-bucket-access-logged",
      "s3-bucket-lifecycle-configured",
    ].map((rule) => ({ rule, resource: "insecure/open-bucket", reason: "test", acceptedBy: "test" }));
    all.push({ rule: "lambda-permission-source-pinned", resource: "insecure/any-api", reason: "test", acceptedBy: "test" });
    const stale: AcceptedRisk = { rule: "s3-bucket-kms-encrypted", resource: "insecure/removed-bucket", reason: "test", acceptedBy: "test" };
    const error = synthError(insecureApp([...all, stale, { ...stale, rule: "no-such-rule" }]));
    expect(error.message).to.match(/stale guardrail exceptions/);
    expect(error.lines).to.deep.equal([
      "s3-bucket-kms-encrypted insecure/removed-bucket: matches no resource in dev: remove it, or list in environments only where the resource exists",
      "no-such-rule insecure/removed-bucket: names no known rule (no-such-rule)",
    ]);
    // Limited to another environment, it is not stale here.
    expect(() => insecureApp([...all, { ...stale, environments: ["prod"] }]).synth()).to.not.throw();
  });

  it("prints warnings without failing synth", () => {
    const warnings: string[] = [];
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), "guardrails-")), stackTraces: false });
    const stack = new TerraformStack(app, "soon");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    fakeFunction(stack, "fn");
    applyGuardrails(app, { environment: "dev", accountId: "111111111111", exceptions: [], now: new Date("2027-02-01T00:00:00Z"), warn: (l) => warnings.push(l) });
    app.synth();
    expect(warnings).to.deep.equal([
      "guardrails warning: soon  soon/fn/this  lambda-function-runtime-not-expiring: nodejs22.x is deprecated on 2027-04-30 (88 days): move to the next runtime",
    ]);
  });

  describe("the whole app", () => {
    before(async function () {
      this.timeout(120000);
      await ensureBundles();
    });

    for (const environment of ENVIRONMENTS) {
      it(`synthesizes ${environment} with zero violations outside the exception list, and no stale exception`, function () {
        this.timeout(60000);
        const app = new App({ outdir: mkdtempSync(join(tmpdir(), `guardrails-${environment}-`)) });
        const config = loadConfig({ environment, offline: false });
        addStacks(app, config);
        const warnings: string[] = [];
        applyGuardrails(app, { environment, accountId: config.accountId, warn: (l) => warnings.push(l) });
        app.synth(); // throws GuardrailsError on any violation or stale exception
        // Warnings print without failing (today: nodejs22.x reaches its deprecation date within 180 days).
        for (const line of warnings) expect(line).to.match(/^guardrails warning: \S+ {2}\S+ {2}lambda-function-runtime-not-expiring: /);
      });
    }
  });
});
