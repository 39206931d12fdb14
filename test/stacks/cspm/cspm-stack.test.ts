import { expect } from "chai";
import { Testing } from "cdktf";
import { CspmStack } from "../../../stacks/cspm/cspm-stack";
import { KMS_AUDIT_ROUTE_NAMES as KMS_AUDIT_ROUTES } from "../../../functions/shared/contracts/kms-audit-api";
import { BUCKET_CHANGE_EVENTS } from "../../../functions/shared/contracts/s3-auditor";
import { ensureBundles } from "../../support/bundles";
import { METRICS_NAMESPACE, METRICS_SERVICE } from "../../../functions/shared/contracts/s3-auditor";
import { createMetrics } from "../../../functions/shared/platform/metrics";
import { publishRunMetrics } from "../../../functions/s3-auditor/metrics";
import { resources, statements, synth, testConfig, type Resource, type Synthesized } from "../../support/synth";

function fnPolicy(out: Synthesized, functionName: string): Resource[] {
  const role = Object.entries(out.resource.aws_iam_role).find(([, r]) => r.name === functionName);
  if (!role) throw new Error(`no role ${functionName}`);
  const policy = resources(out, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${role[0]}.id}`);
  return statements(policy!.policy);
}

describe("cspm stack", () => {
  let out: Synthesized;
  before(async function () {
    this.timeout(120000);
    await ensureBundles();
    out = synth(new CspmStack(Testing.app(), testConfig()));
  });

  it("authorizes every KMS audit API method with IAM", () => {
    const methods = resources(out, "aws_api_gateway_method");
    expect(methods.map((m) => m.http_method)).to.deep.equal(KMS_AUDIT_ROUTES.map(() => "POST"));
    for (const m of methods) expect(m.authorization).to.equal("AWS_IAM");
    expect(resources(out, "aws_api_gateway_resource").map((r) => r.path_part).sort()).to.deep.equal([...KMS_AUDIT_ROUTES].sort());
  });

  it("logs API access as JSON and throttles the stage from settings", () => {
    const [stage] = resources(out, "aws_api_gateway_stage");
    // Access logging is refused until the account's API Gateway CloudWatch role is set.
    expect(stage.depends_on).to.deep.equal([Object.keys(out.resource.aws_api_gateway_account).map((id) => `aws_api_gateway_account.${id}`)[0]]);
    expect(JSON.parse(stage.access_log_settings.format)).to.have.property("requestId");
    const [settings] = resources(out, "aws_api_gateway_method_settings");
    expect(settings.settings).to.include({ throttling_rate_limit: 20, throttling_burst_limit: 40 });
  });

  it("limits the KMS auditor's role to reading key metadata, policies, rotation, aliases and tags", () => {
    const policy = fnPolicy(out, "csp-dev-cspm-kms-auditor");
    const actions = policy.flatMap((s) => [s.Action].flat()) as string[];
    expect(actions.sort()).to.deep.equal(
      ["kms:Decrypt", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListResourceTags", "logs:CreateLogStream", "logs:PutLogEvents"].sort(),
    );
    expect(policy.find((s) => s.Sid === "ReadKeyConfiguration")?.Resource).to.equal("arn:aws:kms:*:111111111111:key/*");
    // Called synchronously by API Gateway: no failure destination (it would never fire).
    const kmsFn = Object.entries(out.resource.aws_lambda_function).find(([, f]) => f.function_name === "csp-dev-cspm-kms-auditor")![0];
    const invokeConfigs = resources(out, "aws_lambda_function_event_invoke_config").map((c) => c.function_name as string);
    expect(invokeConfigs.some((n) => n.includes(`aws_lambda_function.${kmsFn}.`))).to.equal(false);
  });

  it("tells the KMS auditor the audit regions, the only regions its API accepts", () => {
    const kmsFn = Object.values(out.resource.aws_lambda_function).find((f) => f.function_name === "csp-dev-cspm-kms-auditor")!;
    expect(kmsFn.environment.variables.AUDIT_REGIONS).to.equal(testConfig().cspm.auditRegions.join(","));
  });

  it("gives the S3 auditor read-only S3, the KMS API routes, its own secret and Security Hub's default product", () => {
    const policy = fnPolicy(out, "csp-dev-cspm-s3-auditor");
    const s3 = policy.filter((s) => [s.Action].flat().some((a: string) => a.startsWith("s3:"))).flatMap((s) => [s.Action].flat()) as string[];
    for (const action of s3) expect(action).to.match(/^s3:(Get|List)/);
    expect(policy.find((s) => s.Sid === "ImportFindingsToDefaultProduct")?.Resource).to.equal("arn:aws:securityhub:eu-west-1:111111111111:product/111111111111/default");
    expect(policy.find((s) => s.Sid === "ReadMongoDbSecret")?.Resource).to.match(/aws_secretsmanager_secret\./);
    const attachments = resources(out, "aws_iam_role_policy_attachment").map((a) => a.policy_arn as string);
    expect(attachments.some((a) => /aws_iam_policy\..*\.arn/.test(a))).to.equal(true);
    const [invoke] = statements(resources(out, "aws_iam_policy")[0].policy);
    expect(invoke.Resource).to.have.length(KMS_AUDIT_ROUTES.length);
  });

  it("caps parallel S3 audits only when the setting asks for it", () => {
    const s3Auditor = (o: Synthesized) => resources(o, "aws_lambda_function").find((f) => f.function_name === "csp-dev-cspm-s3-auditor")!;
    expect(s3Auditor(out)).to.not.have.property("reserved_concurrent_executions");
    const base = testConfig();
    const capped = synth(new CspmStack(Testing.app(), { ...base, cspm: { ...base.cspm, auditorReservedConcurrency: 2 } }));
    expect(s3Auditor(capped).reserved_concurrent_executions).to.equal(2);
  });

  it("keeps the MongoDB secret's value out of Terraform", () => {
    expect(resources(out, "aws_secretsmanager_secret")).to.have.length(1);
    expect(resources(out, "aws_secretsmanager_secret_version")).to.have.length(0);
  });

  it("queues CloudTrail bucket changes in an encrypted queue with a DLQ, consumed in batches with a maximum concurrency", () => {
    const queues = resources(out, "aws_sqs_queue");
    // Plus the scheduled audit's dead-letter queue (undelivered schedule events).
    expect(queues.map((q) => q.name).sort()).to.deep.equal(["csp-dev-cspm-bucket-changes", "csp-dev-cspm-bucket-changes-dlq", "csp-dev-cspm-undelivered-events"]);
    for (const q of queues) expect(q.kms_master_key_id).to.match(/aws_kms_key\./);
    const main = queues.find((q) => q.name === "csp-dev-cspm-bucket-changes")!;
    expect(JSON.parse(main.redrive_policy)).to.include({ maxReceiveCount: 3 });
    expect(main.visibility_timeout_seconds).to.equal(5400);
    const [mapping] = resources(out, "aws_lambda_event_source_mapping");
    expect(mapping).to.deep.include({ batch_size: 100, maximum_batching_window_in_seconds: 60, function_response_types: ["ReportBatchItemFailures"], scaling_config: { maximum_concurrency: 2 } });
    const targets = resources(out, "aws_cloudwatch_event_target");
    const toQueue = targets.find((t) => /aws_sqs_queue\./.test(t.arn))!;
    expect(toQueue.dead_letter_config.arn).to.match(/aws_sqs_queue\./);
    for (const policy of resources(out, "aws_sqs_queue_policy")) {
      // Every queue takes messages only from EventBridge rules of this stack, each pinned by its ARN.
      const sends = statements(policy.policy).filter((st) => st.Effect === "Allow" && [st.Action].flat().includes("sqs:SendMessage"));
      expect(sends).to.have.length.greaterThan(0);
      for (const send of sends) expect(send.Condition.ArnEquals["aws:SourceArn"]).to.match(/aws_cloudwatch_event_rule\./);
    }
  });

  it("audits on a schedule and on CloudTrail bucket changes", () => {
    const rules = resources(out, "aws_cloudwatch_event_rule");
    expect(rules.find((r) => r.schedule_expression)?.schedule_expression).to.equal("rate(1 day)");
    const pattern = JSON.parse(rules.find((r) => r.event_pattern)!.event_pattern);
    expect(pattern.detail.eventName).to.deep.equal([...BUCKET_CHANGE_EVENTS]);
    expect(pattern.detail.errorCode).to.deep.equal([{ exists: false }]);
    expect(pattern["detail-type"]).to.deep.equal(["AWS API Call via CloudTrail"]);
  });

  it("alarms on errors of both functions, on partial runs, on KMS API lookups that failed and on undelivered audit events", () => {
    const alarms = resources(out, "aws_cloudwatch_metric_alarm").map((a) => `${a.namespace}/${a.metric_name}`);
    expect(alarms.sort()).to.deep.equal(["AWS/Lambda/Errors", "AWS/Lambda/Errors", "AWS/SQS/ApproximateNumberOfMessagesVisible", "CSPM/KmsApiUnavailable", "CSPM/RunPartial"]);
  });

  it("every CSPM alarm watches a metric the S3 auditor really emits, with the same dimensions", () => {
    // Emit one run's metrics through the real Powertools path and read the EMF line back.
    const lines: string[] = [];
    const write = process.stdout.write;
    // Other test files may leave Powertools' switches set for the process; this test needs the real output.
    const switches = { POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED, POWERTOOLS_DEV: process.env.POWERTOOLS_DEV };
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_DEV;
    process.stdout.write = ((chunk: unknown) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      const metrics = createMetrics({ namespace: METRICS_NAMESPACE, service: METRICS_SERVICE });
      publishRunMetrics(metrics, { runId: "r", status: "complete", failedKeys: [], store: "ok", errors: [], counts: { failed: 0, kmsUnavailable: 0, sent: 0, archived: 0, resolved: 0 } } as never);
    } finally {
      process.stdout.write = write;
      for (const [key, value] of Object.entries(switches)) if (value !== undefined) process.env[key] = value;
    }
    const emf = lines.map((l) => JSON.parse(l)).find((l) => l._aws)!;
    const emitted = new Set<string>();
    for (const declaration of emf._aws.CloudWatchMetrics as { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[]) {
      for (const dimensions of declaration.Dimensions) {
        const values = Object.fromEntries(dimensions.map((d) => [d, emf[d]]));
        for (const m of declaration.Metrics) emitted.add(JSON.stringify([declaration.Namespace, m.Name, values]));
      }
    }
    const cspmAlarms = resources(out, "aws_cloudwatch_metric_alarm").filter((a) => a.namespace === METRICS_NAMESPACE);
    expect(cspmAlarms).to.have.length.greaterThan(0);
    for (const alarm of cspmAlarms) expect([...emitted], alarm.alarm_name).to.include(JSON.stringify([alarm.namespace, alarm.metric_name, alarm.dimensions]));
  });

  it("keeps events EventBridge could not deliver in encrypted dead-letter queues", () => {
    const queues = out.resource.aws_sqs_queue as Record<string, { kms_master_key_id: string }>;
    for (const queue of Object.values(queues)) expect(queue.kms_master_key_id).to.match(/aws_kms_key\./);
    for (const target of resources(out, "aws_cloudwatch_event_target")) {
      const dlq = /^\$\{aws_sqs_queue\.([\w-]+)\.arn\}$/.exec(target.dead_letter_config.arn);
      expect(dlq, JSON.stringify(target.dead_letter_config)).to.not.equal(null);
      expect(queues).to.have.property(dlq![1]!);
    }
  });

  it("grants the S3 reads on buckets and only ListAllMyBuckets on \"*\"", () => {
    const policy = fnPolicy(out, "csp-dev-cspm-s3-auditor");
    expect(policy.find((s) => s.Sid === "ListBuckets")).to.include({ Action: "s3:ListAllMyBuckets", Resource: "*" });
    expect(policy.find((s) => s.Sid === "ReadBucketConfiguration")?.Resource).to.equal("arn:aws:s3:::*");
  });

  it("outputs what a user needs next", () => {
    expect(Object.keys(out.output ?? {})).to.include.members(["kmsAuditApiUrl", "kmsAuditInvokePolicyArn", "s3AuditorFunctionName", "mongodbSecretArn", "kmsKeyArn"]);
  });
});

describe("app", () => {
  it("adds one stack per subsystem for the environment, each with its KMS key and alarm topic", async () => {
    const { execFileSync } = await import("node:child_process");
    const { mkdtempSync, readdirSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join, resolve } = await import("node:path");
    await ensureBundles();
    const outdir = mkdtempSync(join(tmpdir(), "synth-"));
    execFileSync(process.execPath, [require.resolve("tsx/cli"), "main.ts"], {
      cwd: resolve(__dirname, "..", "..", ".."),
      env: { ...process.env, CDKTF_OUTDIR: outdir, PLATFORM_ENV: "staging" },
      stdio: "pipe",
    });
    const stacks = readdirSync(join(outdir, "stacks")).sort();
    expect(stacks).to.deep.equal(["aurora-iam-staging", "credentials-staging", "cspm-staging", "redshift-agent-staging", "role-vending-staging"]);
    for (const stack of stacks) {
      const tf = JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
      expect(Object.values(tf.resource.aws_kms_key as Record<string, Resource>)[0].enable_key_rotation).to.equal(true);
      expect(tf.resource.aws_sns_topic).to.not.equal(undefined);
      expect(tf.provider.aws[0].allowed_account_ids).to.deep.equal(["222222222222"]);
      expect(tf.provider.aws[0].skip_credentials_validation).to.equal(undefined);
    }
  }).timeout(60000);
});
