import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { STSClient } from "@aws-sdk/client-sts";
import { KMSClient } from "@aws-sdk/client-kms";
import { type BucketsIo, type LiveClients, runBuckets } from "../../../../scripts/cli/audit/buckets";
import type { S3AuditReport } from "../../../../functions/shared/cspm/audit-types";
import { REPLAY_CREDENTIALS, SnapshotReplayer } from "../../../../functions/shared/cspm/snapshot";
import { buildSnapshot, fixtureAccount } from "../../../functions/s3-auditor/snapshot-fixture";

const run = promisify(execFile);
const ROOT = resolve(__dirname, "../../../..");
const CHROMIUM = "/usr/bin/chromium";

function io(liveClients?: LiveClients): BucketsIo & { out: string; err: string } {
  const sink = {
    out: "",
    err: "",
    stdout: (t: string) => void (sink.out += t),
    stderr: (t: string) => void (sink.err += t),
    stdoutIsTty: false,
    stderrIsTty: false,
    env: {},
    ...(liveClients ? { liveClients } : {}),
  };
  return sink;
}

/** "AWS" for a live run: the fixture account served through clients, as the SDK would answer. */
function fakeAws(): LiveClients {
  const aws = new SnapshotReplayer(buildSnapshot(fixtureAccount()));
  return {
    homeRegion: async () => "us-east-1",
    s3: (region) => aws.replay(new S3Client({ region, credentials: REPLAY_CREDENTIALS }), "s3", region),
    s3Control: (region) => aws.replay(new S3ControlClient({ region, credentials: REPLAY_CREDENTIALS }), "s3-control", region),
    sts: (region) => aws.replay(new STSClient({ region, credentials: REPLAY_CREDENTIALS }), "sts", region),
    kms: (region) => aws.replay(new KMSClient({ region, credentials: REPLAY_CREDENTIALS }), "kms", region),
  };
}

/** The report without the run's timestamps. */
function stable(report: S3AuditReport): object {
  const { startedAt: _s, finishedAt: _f, ...rest } = report;
  return rest;
}

describe("audit buckets CLI", () => {
  let dir: string;
  let fixture: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "audit-buckets-"));
    fixture = join(dir, "fixture.json");
    await writeFile(fixture, JSON.stringify(buildSnapshot(fixtureAccount())));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("exits 0 without --fail-on, 3 when a failed check reaches it, 0 when none does", async () => {
    const plain = io();
    expect(await runBuckets({ fromSnapshot: fixture }, plain)).to.equal(0);
    expect(plain.out).to.match(/public-site\s+S3\.2\s+CRITICAL/);
    expect(plain.out).not.to.contain("\x1b["); // no colours off a TTY

    const critical = io();
    expect(await runBuckets({ fromSnapshot: fixture, failOn: "CRITICAL" }, critical)).to.equal(3);
    expect(critical.err).to.match(/failed check\(s\) at or above CRITICAL/);

    // secure-data fails nothing CRITICAL; the account (S3.1) fails MEDIUM.
    expect(await runBuckets({ fromSnapshot: fixture, bucket: ["secure-data"], failOn: "HIGH" }, io())).to.equal(0);
    expect(await runBuckets({ fromSnapshot: fixture, bucket: ["secure-data"], failOn: "MEDIUM" }, io())).to.equal(3);
  });

  it("exits 2 for usage errors: an unreadable or foreign snapshot, or replaying while recording", async () => {
    const missing = io();
    expect(await runBuckets({ fromSnapshot: join(dir, "nope.json") }, missing)).to.equal(2);
    expect(missing.err).to.match(/Cannot read snapshot/);
    const foreign = join(dir, "kms.json");
    await writeFile(foreign, JSON.stringify({ format: "cspm-snapshot/1", kind: "kms-keys", createdAt: "x", calls: [] }));
    expect(await runBuckets({ fromSnapshot: foreign }, io())).to.equal(2);
    expect(await runBuckets({ fromSnapshot: fixture, saveSnapshot: join(dir, "x.json") }, io())).to.equal(2);
  });

  it("exits 2 on a bad option value through the audit program, and --help documents the options", async () => {
    const audit = (...args: string[]) => run(process.execPath, ["--require", "tsx/cjs", "scripts/cli/audit/main.ts", "buckets", ...args], { cwd: ROOT });
    const bad = await audit("--output", "pdf").catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).to.equal(2);
    expect((bad as { stderr: string }).stderr).to.match(/--output.*pdf/);
    const help = await audit("--help");
    expect(help.stdout).to.contain("--from-snapshot <file>").and.contain("--fail-on <severity>").and.contain("Exit codes");
  });

  it("prints the JSON report from a snapshot", async () => {
    const sink = io();
    await runBuckets({ fromSnapshot: fixture, output: "json" }, sink);
    const report = JSON.parse(sink.out) as S3AuditReport;
    expect(report.accountId).to.equal("111122223333");
    expect(report.buckets.map((b) => b.bucket)).to.deep.equal(["logs-bucket", "public-site", "replica-bucket", "secure-data"]);
    const publicSite = report.buckets.find((b) => b.bucket === "public-site")!;
    const read = publicSite.results.find((r) => r.checkId === "s3_bucket_public_read")!;
    expect(read.status).to.equal("FAILED");
    const logs = report.buckets.find((b) => b.bucket === "logs-bucket")!;
    expect(logs.results.find((r) => r.checkId === "s3_bucket_kms_encryption")).to.include({ status: "NOT_AVAILABLE", errorCode: "AccessDenied" });
    expect(logs.results.find((r) => r.checkId === "s3_bucket_server_access_logging_enabled")!.status).to.equal("NOT_APPLICABLE");
    expect(report.buckets.find((b) => b.bucket === "secure-data")!.kmsKeyIds).to.deep.equal(["arn:aws:kms:eu-west-1:111122223333:key/secure-data"]);
  });

  it("prints ASFF findings, none for NOT_APPLICABLE results", async () => {
    const sink = io();
    await runBuckets({ fromSnapshot: fixture, output: "asff" }, sink);
    const findings = JSON.parse(sink.out) as { Id: string; Compliance: { Status: string }; Resources: { Type: string }[] }[];
    expect(findings.some((f) => f.Id === "arn:aws:s3:::public-site/s3_bucket_public_read" && f.Compliance.Status === "FAILED")).to.equal(true);
    expect(findings.some((f) => f.Resources[0]!.Type === "AwsAccount")).to.equal(true);
    expect(findings.some((f) => f.Id === "arn:aws:s3:::logs-bucket/s3_bucket_server_access_logging_enabled")).to.equal(false);
  });

  it("--from-snapshot reproduces the live audit that --save-snapshot recorded", async () => {
    const saved = join(dir, "saved.json");
    const live = io(fakeAws());
    expect(await runBuckets({ output: "json", saveSnapshot: saved, concurrency: 4 }, live)).to.equal(0);
    const offline = io();
    expect(await runBuckets({ output: "json", fromSnapshot: saved }, offline)).to.equal(0);
    expect(stable(JSON.parse(offline.out))).to.deep.equal({ ...stable(JSON.parse(live.out)) });
    expect(JSON.parse(await readFile(saved, "utf8")).kind).to.equal("s3-buckets");
  });

  describe("S3.7 with --region or --bucket: destinations outside the scope are looked up in the account listing", () => {
    const s37 = (report: S3AuditReport, name: string) => report.buckets.find((b) => b.bucket === name)!.results.find((r) => r.checkId === "s3_bucket_cross_region_replication")!;
    /** The fixture account plus a same-region replica and a replica in another account. */
    let extended: string;
    before(async () => {
      const spec = fixtureAccount();
      const replicateTo = (destination: string) => ({ GetBucketReplication: { output: { ReplicationConfiguration: { Role: "arn:aws:iam::111122223333:role/replication", Rules: [{ Status: "Enabled", Destination: { Bucket: `arn:aws:s3:::${destination}` } }] } } } });
      extended = join(dir, "extended.json");
      const buckets = [...spec.buckets, { name: "local-copy", region: "eu-west-1", answers: replicateTo("logs-bucket") }, { name: "to-partner", region: "eu-west-1", answers: replicateTo("partner-archive") }];
      await writeFile(extended, JSON.stringify(buildSnapshot({ ...spec, buckets })));
    });

    it("--region eu-west-1: PASSED for a destination in us-west-2 of the account, FAILED in the same region, WARNING outside the account", async () => {
      const sink = io();
      expect(await runBuckets({ fromSnapshot: extended, region: "eu-west-1", output: "json" }, sink), sink.err).to.equal(0);
      const report = JSON.parse(sink.out) as S3AuditReport;
      expect(report.buckets.map((b) => b.bucket)).to.deep.equal(["local-copy", "logs-bucket", "public-site", "secure-data", "to-partner"]);
      expect(report.scope).to.deep.equal({ regions: ["eu-west-1"] });
      expect(s37(report, "secure-data")).to.include({ status: "PASSED" });
      expect(s37(report, "secure-data").reason).to.contain("replica-bucket (us-west-2)");
      expect(s37(report, "local-copy").status).to.equal("FAILED");
      expect(s37(report, "to-partner").status).to.equal("WARNING");
      expect(s37(report, "to-partner").reason).to.contain("not a bucket of account 111122223333");
    });

    it("--bucket: PASSED for a destination that is not named", async () => {
      const sink = io();
      expect(await runBuckets({ fromSnapshot: fixture, bucket: ["secure-data"], output: "json" }, sink), sink.err).to.equal(0);
      const report = JSON.parse(sink.out) as S3AuditReport;
      expect(report.buckets.map((b) => b.bucket)).to.deep.equal(["secure-data"]);
      expect(s37(report, "secure-data").status).to.equal("PASSED");
    });

    it("a --region recording replays with --region: the same ListBuckets inputs, the whole account listed once", async () => {
      const saved = join(dir, "saved-region.json");
      const live = io(fakeAws());
      expect(await runBuckets({ output: "json", region: "eu-west-1", saveSnapshot: saved }, live), live.err).to.equal(0);
      const offline = io();
      expect(await runBuckets({ output: "json", region: "eu-west-1", fromSnapshot: saved }, offline), offline.err).to.equal(0);
      expect(stable(JSON.parse(offline.out))).to.deep.equal(stable(JSON.parse(live.out)));
      expect(s37(JSON.parse(live.out) as S3AuditReport, "secure-data").status).to.equal("PASSED");
      const calls = (JSON.parse(await readFile(saved, "utf8")) as { calls: { operation: string; region: string; input: unknown }[] }).calls;
      expect(calls.filter((c) => c.operation === "ListBuckets").map((c) => [c.region, c.input])).to.deep.equal([["us-east-1", { MaxBuckets: 1000 }]]);
      // Only eu-west-1 buckets were read; replica-bucket (us-west-2) was only listed.
      expect([...new Set(calls.filter((c) => c.operation === "GetBucketReplication").map((c) => c.region))]).to.deep.equal(["eu-west-1"]);
    });
  });

  it("writes a self-contained HTML page that headless Chromium renders with the summary", async function () {
    this.timeout(30_000);
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium) to run the HTML render test.`);
    }
    const page = join(dir, "report.html");
    expect(await runBuckets({ fromSnapshot: fixture, output: "html", out: page }, io())).to.equal(0);
    const html = await readFile(page, "utf8");
    expect(html).not.to.match(/<script|<link|src=/i);
    const profile = join(dir, "chromium-profile");
    const { stdout } = await run(
      CHROMIUM,
      ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--dump-dom", `file://${page}`],
      { timeout: 25_000, maxBuffer: 10 * 1024 * 1024 },
    );
    expect(stdout).to.contain('<section id="summary">');
    expect(stdout).to.match(/<th scope="row">CRITICAL<\/th><td class="n">1<\/td>/);
    expect(stdout).to.contain("public-site");
    expect(stdout).to.contain("Remediation:");
  });
});
