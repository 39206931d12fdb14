import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import { batchFindings, findUnrecordedFindings, importFindings, markUnrecorded, resolveFindings, withoutUnrecordedMarker, TokenBucket, MAX_REQUEST_BYTES, UNRECORDED_FIELD } from "../../../../functions/shared/cspm/security-hub";

const finding = (i: number, descriptionLength = 10): AwsSecurityFinding => ({
  SchemaVersion: "2018-10-08",
  Id: `arn:aws:s3:::bucket-${i}/check`,
  ProductArn: "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",
  GeneratorId: "check",
  AwsAccountId: "111122223333",
  Types: ["Software and Configuration Checks/AWS Security Best Practices"],
  CreatedAt: "2025-01-01T00:00:00.000Z",
  UpdatedAt: "2025-01-01T00:00:00.000Z",
  Severity: { Label: "LOW" },
  Title: "t",
  Description: "d".repeat(descriptionLength),
  Resources: [{ Type: "AwsS3Bucket", Id: `arn:aws:s3:::bucket-${i}` }],
});

describe("Security Hub sink", () => {
  const client = new SecurityHubClient({ region: "eu-west-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
  let mock: ReturnType<typeof mockClient>;
  const sleeps: number[] = [];
  const options = () => ({ limiter: new TokenBucket(1000, 1000), sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 });

  beforeEach(() => {
    mock = mockClient(client);
    sleeps.length = 0;
  });
  afterEach(() => mock.restore());

  it("sends 250 findings in 3 calls of at most 100", async () => {
    mock.on(BatchImportFindingsCommand).callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
    const outcome = await importFindings(client, Array.from({ length: 250 }, (_, i) => finding(i)), options());
    const calls = mock.commandCalls(BatchImportFindingsCommand);
    expect(calls.map((c) => c.args[0].input.Findings!.length)).to.deep.equal([100, 100, 50]);
    expect(outcome.calls).to.equal(3);
    expect(outcome.succeeded).to.have.length(250);
    expect(outcome.failed).to.have.length(0);
  });

  it("retries FailedFindings per Id with backoff until they succeed, and gives up on permanent errors", async () => {
    const attempts = new Map<string, number>();
    mock.on(BatchImportFindingsCommand).callsFake((input) => {
      const failed = [];
      for (const f of input.Findings as AwsSecurityFinding[]) {
        const n = (attempts.get(f.Id!) ?? 0) + 1;
        attempts.set(f.Id!, n);
        if (f.Id!.includes("bucket-1/") && n < 3) failed.push({ Id: f.Id, ErrorCode: "InternalException", ErrorMessage: "try again" });
        if (f.Id!.includes("bucket-2/")) failed.push({ Id: f.Id, ErrorCode: "InvalidInput", ErrorMessage: "bad" });
      }
      return { SuccessCount: input.Findings.length - failed.length, FailedCount: failed.length, FailedFindings: failed };
    });
    const outcome = await importFindings(client, [finding(0), finding(1), finding(2)], options());
    expect(attempts.get(finding(1).Id!)).to.equal(3);
    expect(attempts.get(finding(0).Id!)).to.equal(1);
    expect(attempts.get(finding(2).Id!)).to.equal(1);
    // Retries carry only the failed Id.
    expect(mock.commandCalls(BatchImportFindingsCommand).slice(1).map((c) => c.args[0].input.Findings!.map((f) => f.Id))).to.deep.equal([[finding(1).Id], [finding(1).Id]]);
    expect(outcome.succeeded).to.have.members([finding(0).Id, finding(1).Id]);
    expect(outcome.failed).to.deep.equal([{ id: finding(2).Id, errorCode: "InvalidInput", message: "bad" }]);
    expect(sleeps).to.have.length(2);
    expect(sleeps[1]).to.be.greaterThan(sleeps[0]!);
  });

  it("leaves whole-call retries to the SDK client: a call that still fails fails every finding of its batch, once", async () => {
    // aws-sdk-client-mock replaces send(): this is the answer after the SDK's own retries.
    mock.on(BatchImportFindingsCommand).rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    const throttled = await importFindings(client, [finding(0)], options());
    expect(throttled.failed.map((f) => f.errorCode)).to.deep.equal(["ThrottlingException"]);
    expect(mock.commandCalls(BatchImportFindingsCommand)).to.have.length(1);

    mock.reset();
    mock.on(BatchImportFindingsCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    const denied = await importFindings(client, [finding(0), finding(1)], options());
    expect(denied.failed.map((f) => f.errorCode)).to.deep.equal(["AccessDeniedException", "AccessDeniedException"]);
    expect(mock.commandCalls(BatchImportFindingsCommand)).to.have.length(1);
  });

  it("splits batches at 6 MB", () => {
    const big = Array.from({ length: 30 }, (_, i) => finding(i, 230 * 1024));
    const batches = batchFindings(big);
    expect(batches.length).to.be.greaterThan(1);
    for (const batch of batches) expect(Buffer.byteLength(JSON.stringify({ Findings: batch }))).to.be.at.most(6 * 1024 * 1024);
    expect(batches.flat()).to.have.length(30);
    expect(MAX_REQUEST_BYTES).to.be.below(6 * 1024 * 1024);
  });

  it("resolves findings with BatchUpdateFindings, 100 a call, retrying unprocessed ones", async () => {
    let first = true;
    mock.on(BatchUpdateFindingsCommand).callsFake((input) => {
      const unprocessed = first ? [{ FindingIdentifier: input.FindingIdentifiers[0], ErrorCode: "InternalException", ErrorMessage: "x" }] : [];
      first = false;
      return { ProcessedFindings: [], UnprocessedFindings: unprocessed };
    });
    const ids = Array.from({ length: 150 }, (_, i) => ({ id: `f${i}`, productArn: "p" }));
    const outcome = await resolveFindings(client, ids, options());
    const calls = mock.commandCalls(BatchUpdateFindingsCommand);
    expect(calls.map((c) => c.args[0].input.FindingIdentifiers!.length)).to.deep.equal([100, 50, 1]);
    expect(calls[0]!.args[0].input.Workflow).to.deep.equal({ Status: "RESOLVED" });
    expect(outcome.succeeded).to.have.length(150);
  });

  it("paces calls with a token bucket: a burst, then the steady rate", async () => {
    let clock = 0;
    const waits: number[] = [];
    const bucket = new TokenBucket(10, 3, () => clock, async (ms) => {
      waits.push(ms);
      clock += ms;
    });
    for (let i = 0; i < 6; i++) await bucket.take();
    // 3 from the burst, then one every 100 ms.
    expect(clock).to.equal(300);
    expect(waits).to.deep.equal([100, 100, 100]);
  });
  it("asks with ONE GetFindings (MaxResults 1) whether any of our findings were imported unrecorded", async () => {
    const product = finding(0).ProductArn!;
    mock.on(GetFindingsCommand).resolvesOnce({ Findings: [markUnrecorded(finding(1))] }).resolvesOnce({ Findings: [] });
    const found = await findUnrecordedFindings(client, product, { since: "2025-01-01T00:00:00.000Z", until: "2025-01-02T00:00:00.000Z" }, options());
    expect(found).to.deep.equal({ found: true, calls: 1 });
    expect(mock.commandCalls(GetFindingsCommand)[0]!.args[0].input).to.deep.equal({
      Filters: {
        ProductArn: [{ Value: product, Comparison: "EQUALS" }],
        ProductFields: [{ Key: UNRECORDED_FIELD, Value: "true", Comparison: "EQUALS" }],
        LastObservedAt: [{ Start: "2025-01-01T00:00:00.000Z", End: "2025-01-02T00:00:00.000Z" }],
      },
      MaxResults: 1,
    });
    // Never reconciled: no date filter.
    expect(await findUnrecordedFindings(client, product, { until: "2025-01-02T00:00:00.000Z" }, options())).to.deep.equal({ found: false, calls: 1 });
    expect(mock.commandCalls(GetFindingsCommand)[1]!.args[0].input.Filters).to.not.have.property("LastObservedAt");
  });

  it("makes the unrecorded-findings check in one call, and throws when it fails", async () => {
    mock.on(GetFindingsCommand).resolvesOnce({ Findings: [] });
    expect(await findUnrecordedFindings(client, "p", { until: "u" }, options())).to.deep.equal({ found: false, calls: 1 });
    mock.on(GetFindingsCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 403 } }));
    const error = await findUnrecordedFindings(client, "p", { until: "u" }, options()).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error).and.to.include({ name: "AccessDeniedException" });
  });

  it("adds and strips the unrecorded marker without touching other ProductFields", () => {
    const f = { ...finding(0), ProductFields: { "cspm/checkId": "check" } };
    const marked = markUnrecorded(f);
    expect(marked.ProductFields).to.deep.equal({ "cspm/checkId": "check", [UNRECORDED_FIELD]: "true" });
    expect(f.ProductFields).to.not.have.property(UNRECORDED_FIELD);
    expect(withoutUnrecordedMarker(marked).ProductFields).to.deep.equal({ "cspm/checkId": "check" });
    expect(withoutUnrecordedMarker(f)).to.equal(f);
  });
});

// The sink's limits, pinned exactly (mutation testing found nothing catching a change to them):
// how many times a FailedFinding is retried, and the single-finding size guard.

/** A finding whose JSON is exactly `bytes` long. */
function findingOfSize(name: string, bytes: number): AwsSecurityFinding {
  const f: AwsSecurityFinding = { ...finding(0, 0), Id: `arn:aws:s3:::${name}/check`, Resources: [{ Type: "AwsS3Bucket", Id: `arn:aws:s3:::${name}` }] };
  f.Description = "d".repeat(bytes - Buffer.byteLength(JSON.stringify(f)));
  expect(Buffer.byteLength(JSON.stringify(f))).to.equal(bytes);
  return f;
}

describe("Security Hub sink limits", () => {
  const client = new SecurityHubClient({ region: "eu-west-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
  let mock: ReturnType<typeof mockClient>;
  let sleeps: number[];
  const options = (retry?: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number }) => ({ limiter: new TokenBucket(1000, 1000), ...(retry ? { retry } : {}), sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 });

  beforeEach(() => {
    mock = mockClient(client);
    sleeps = [];
  });
  afterEach(() => mock.restore());

  describe("FailedFindings retries", () => {
    const alwaysFailing = () =>
      mock.on(BatchImportFindingsCommand).callsFake((input) => ({
        SuccessCount: 0,
        FailedCount: input.Findings.length,
        FailedFindings: input.Findings.map((f: AwsSecurityFinding) => ({ Id: f.Id, ErrorCode: "InternalException", ErrorMessage: "try later" })),
      }));

    it("sends a finding that keeps failing exactly 5 times (the default, first attempt included), then reports it failed", async () => {
      alwaysFailing();
      const f = findingOfSize("stuck", 2000);
      const outcome = await importFindings(client, [f], options());
      expect(mock.commandCalls(BatchImportFindingsCommand)).to.have.length(5);
      expect(outcome.calls).to.equal(5);
      expect(outcome.succeeded).to.deep.equal([]);
      expect(outcome.failed).to.deep.equal([{ id: f.Id, errorCode: "InternalException", message: "try later" }]);
      // One backoff between attempts, exponential with full jitter (random 0.5 of 200 ms x 2^n).
      expect(sleeps).to.deep.equal([100, 200, 400, 800]);
    });

    it("follows the policy's maxAttempts: 1 means no retry, 3 means three sends", async () => {
      alwaysFailing();
      await importFindings(client, [findingOfSize("once", 2000)], options({ maxAttempts: 1, baseDelayMs: 200, maxDelayMs: 5000 }));
      expect(mock.commandCalls(BatchImportFindingsCommand)).to.have.length(1);
      mock.resetHistory();
      await importFindings(client, [findingOfSize("thrice", 2000)], options({ maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5000 }));
      expect(mock.commandCalls(BatchImportFindingsCommand)).to.have.length(3);
    });

    it("succeeds on the last allowed attempt", async () => {
      let n = 0;
      mock.on(BatchImportFindingsCommand).callsFake((input) => {
        n++;
        return n < 5 ? { FailedFindings: input.Findings.map((f: AwsSecurityFinding) => ({ Id: f.Id, ErrorCode: "InternalException", ErrorMessage: "x" })) } : { FailedFindings: [] };
      });
      const outcome = await importFindings(client, [findingOfSize("late", 2000)], options());
      expect(outcome.failed).to.deep.equal([]);
      expect(outcome.succeeded).to.have.length(1);
      expect(n).to.equal(5);
    });

    it("retries an UnprocessedFinding of a resolution exactly 5 times too", async () => {
      mock.on(BatchUpdateFindingsCommand).callsFake((input) => ({
        ProcessedFindings: [],
        UnprocessedFindings: input.FindingIdentifiers.map((id: { Id: string }) => ({ FindingIdentifier: id, ErrorCode: "InternalException", ErrorMessage: "x" })),
      }));
      const outcome = await resolveFindings(client, [{ id: "f1", productArn: "p" }], options());
      expect(mock.commandCalls(BatchUpdateFindingsCommand)).to.have.length(5);
      expect(outcome.failed).to.deep.equal([{ id: "f1", errorCode: "InternalException", message: "x" }]);
    });
  });

  describe("single-finding size guard", () => {
    it("sends a finding of exactly 240 KB and holds back one byte more as FindingTooLarge, without sending it", async () => {
      mock.on(BatchImportFindingsCommand).callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
      const fits = findingOfSize("fits", 240 * 1024);
      const tooBig = findingOfSize("too-big", 240 * 1024 + 1);
      const small = findingOfSize("small", 2000);

      const outcome = await importFindings(client, [fits, tooBig, small], options());

      const sent = mock.commandCalls(BatchImportFindingsCommand).flatMap((c) => c.args[0].input.Findings!.map((f) => f.Id));
      expect(sent).to.deep.equal([fits.Id, small.Id]);
      expect(outcome.succeeded).to.deep.equal([fits.Id, small.Id]);
      expect(outcome.failed).to.deep.equal([{ id: tooBig.Id, errorCode: "FindingTooLarge", message: "The finding is over Security Hub's 240 KB limit." }]);
    });
  });
});
