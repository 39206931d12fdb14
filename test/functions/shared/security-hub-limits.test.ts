/**
 * The Security Hub sink's limits, pinned exactly (mutation testing found nothing catching a change
 * to them): how many times a FailedFinding is retried, and the single-finding size guard.
 */
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import { DEFAULT_RETRY, importFindings, MAX_FINDING_BYTES, resolveFindings, TokenBucket } from "../../../functions/shared/security-hub";

/** A finding whose JSON is exactly `bytes` long. */
function findingOfSize(name: string, bytes: number): AwsSecurityFinding {
  const f: AwsSecurityFinding = {
    SchemaVersion: "2018-10-08",
    Id: `arn:aws:s3:::${name}/check`,
    ProductArn: "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",
    GeneratorId: "check",
    AwsAccountId: "111122223333",
    Types: ["Software and Configuration Checks/AWS Security Best Practices"],
    CreatedAt: "2025-01-01T00:00:00.000Z",
    UpdatedAt: "2025-01-01T00:00:00.000Z",
    Severity: { Label: "LOW" },
    Title: "t",
    Description: "",
    Resources: [{ Type: "AwsS3Bucket", Id: `arn:aws:s3:::${name}` }],
  };
  f.Description = "d".repeat(bytes - Buffer.byteLength(JSON.stringify(f)));
  expect(Buffer.byteLength(JSON.stringify(f))).to.equal(bytes);
  return f;
}

describe("Security Hub sink limits", () => {
  const client = new SecurityHubClient({ region: "eu-west-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
  let mock: ReturnType<typeof mockClient>;
  let sleeps: number[];
  const options = (retry = DEFAULT_RETRY) => ({ limiter: new TokenBucket(1000, 1000), retry, sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 });

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

    it(`sends a finding that keeps failing exactly ${DEFAULT_RETRY.maxAttempts} times (the first attempt included), then reports it failed`, async () => {
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
      await importFindings(client, [findingOfSize("once", 2000)], options({ ...DEFAULT_RETRY, maxAttempts: 1 }));
      expect(mock.commandCalls(BatchImportFindingsCommand)).to.have.length(1);
      mock.resetHistory();
      await importFindings(client, [findingOfSize("thrice", 2000)], options({ ...DEFAULT_RETRY, maxAttempts: 3 }));
      expect(mock.commandCalls(BatchImportFindingsCommand)).to.have.length(3);
    });

    it("succeeds on the last allowed attempt", async () => {
      let n = 0;
      mock.on(BatchImportFindingsCommand).callsFake((input) => {
        n++;
        return n < DEFAULT_RETRY.maxAttempts ? { FailedFindings: input.Findings.map((f: AwsSecurityFinding) => ({ Id: f.Id, ErrorCode: "InternalException", ErrorMessage: "x" })) } : { FailedFindings: [] };
      });
      const outcome = await importFindings(client, [findingOfSize("late", 2000)], options());
      expect(outcome.failed).to.deep.equal([]);
      expect(outcome.succeeded).to.have.length(1);
      expect(n).to.equal(DEFAULT_RETRY.maxAttempts);
    });

    it(`retries an UnprocessedFinding of a resolution exactly ${DEFAULT_RETRY.maxAttempts} times too`, async () => {
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
    it(`sends a finding of exactly ${MAX_FINDING_BYTES} bytes and holds back one byte more as FindingTooLarge, without sending it`, async () => {
      mock.on(BatchImportFindingsCommand).callsFake((input) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
      const fits = findingOfSize("fits", MAX_FINDING_BYTES);
      const tooBig = findingOfSize("too-big", MAX_FINDING_BYTES + 1);
      const small = findingOfSize("small", 2000);

      const outcome = await importFindings(client, [fits, tooBig, small], options());

      const sent = mock.commandCalls(BatchImportFindingsCommand).flatMap((c) => c.args[0].input.Findings!.map((f) => f.Id));
      expect(sent).to.deep.equal([fits.Id, small.Id]);
      expect(outcome.succeeded).to.deep.equal([fits.Id, small.Id]);
      expect(outcome.failed).to.deep.equal([{ id: tooBig.Id, errorCode: "FindingTooLarge", message: "The finding is over Security Hub's 240 KB limit." }]);
      expect(MAX_FINDING_BYTES).to.equal(240 * 1024);
    });
  });
});
