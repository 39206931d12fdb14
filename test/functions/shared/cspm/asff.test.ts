import { expect } from "chai";
import type { CheckMetadata, CheckResult } from "../../../../functions/shared/cspm/check";
import {
  archiveFinding,
  buildFinding,
  findingId,
  fingerprint,
  nextTimestamp,
  productArn,
  truncate,
  UnknownCheckError,
  type FindingResource,
  type PriorFinding,
} from "../../../../functions/shared/cspm/asff";
import { s3BucketVersioningEnabled } from "../../../../functions/shared/cspm/s3/checks/s3-bucket-versioning-enabled";

const metadata = s3BucketVersioningEnabled.metadata;
const lookup = (id: string) => (id === metadata.id ? metadata : undefined);
const product = { accountId: "111122223333", partition: "aws", region: "eu-west-1" };
const bucket: FindingResource = { type: "AwsS3Bucket", id: "arn:aws:s3:::my-bucket", partition: "aws", region: "eu-central-1" };
const failed: CheckResult = { checkId: metadata.id, status: "FAILED", reason: "Versioning is suspended." };

describe("ASFF builder", () => {
  it("builds a complete first-seen finding with CreatedAt equal to UpdatedAt", () => {
    const now = new Date("2025-01-02T03:04:05.000Z");
    const f = buildFinding({ product, result: failed, resources: [bucket], now }, lookup);
    expect(f.Id).to.equal("arn:aws:s3:::my-bucket/s3_bucket_versioning_enabled");
    expect(f.ProductArn).to.equal("arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default");
    expect(f.GeneratorId).to.equal(metadata.id);
    expect(f.SchemaVersion).to.equal("2018-10-08");
    expect(f.CreatedAt).to.equal(now.toISOString());
    expect(f.UpdatedAt).to.equal(now.toISOString());
    expect(f.FirstObservedAt).to.equal(now.toISOString());
    expect(f.Severity).to.deep.equal({ Label: "LOW", Original: "LOW" });
    expect(f.FindingProviderFields?.Severity?.Label).to.equal("LOW");
    expect(f.FindingProviderFields?.Types).to.deep.equal(f.Types);
    expect(f.Compliance?.Status).to.equal("FAILED");
    expect(f.RecordState).to.equal("ACTIVE");
    expect(f.Resources).to.deep.equal([{ Type: "AwsS3Bucket", Id: bucket.id, Partition: "aws", Region: "eu-central-1" }]);
    expect(f.Remediation?.Recommendation?.Url).to.equal(metadata.remediation.url);
    expect(f.ProductFields).to.include({ "cspm/checkId": metadata.id, "cspm/control": "S3.14" });
    expect(f.Description).to.match(/^Failed: Versioning is suspended\./);
  });

  it("keeps CreatedAt and FirstObservedAt from the prior record and moves UpdatedAt strictly forward", () => {
    const prior: PriorFinding = {
      id: "x",
      createdAt: "2024-01-01T00:00:00.000Z",
      firstObservedAt: "2024-01-01T00:00:00.000Z",
      updatedAt: "2025-06-01T00:00:00.000Z",
      status: "FAILED",
      recordState: "ACTIVE",
    };
    // A clock behind the last UpdatedAt (skew, or a retry with the same time) must still move forward.
    const f = buildFinding({ product, result: failed, resources: [bucket], prior, now: new Date("2025-05-01T00:00:00.000Z") }, lookup);
    expect(f.CreatedAt).to.equal(prior.createdAt);
    expect(f.FirstObservedAt).to.equal(prior.firstObservedAt);
    expect(Date.parse(f.UpdatedAt!)).to.be.greaterThan(Date.parse(prior.updatedAt));
    expect(f.LastObservedAt).to.equal(f.UpdatedAt);
    expect(nextTimestamp(new Date("2025-07-01T00:00:00.000Z"), prior.updatedAt)).to.equal("2025-07-01T00:00:00.000Z");
  });

  it("uses the result's severity over the metadata's and carries the error code of NOT_AVAILABLE", () => {
    const f = buildFinding({ product, result: { ...failed, severity: "CRITICAL" }, resources: [bucket], now: new Date() }, lookup);
    expect(f.Severity?.Label).to.equal("CRITICAL");
    const na = buildFinding({ product, result: { checkId: metadata.id, status: "NOT_AVAILABLE", reason: "Could not read versioning.", errorCode: "AccessDenied" }, resources: [bucket], now: new Date() }, lookup);
    expect(na.Compliance?.Status).to.equal("NOT_AVAILABLE");
    expect(na.ProductFields?.["cspm/errorCode"]).to.equal("AccessDenied");
    expect(na.Description).to.contain("AccessDenied");
  });

  it("refuses NOT_APPLICABLE results and unknown checks", () => {
    expect(() => buildFinding({ product, result: { ...failed, status: "NOT_APPLICABLE" }, resources: [bucket], now: new Date() }, lookup)).to.throw(/NOT_APPLICABLE/);
    expect(() => buildFinding({ product, result: { ...failed, checkId: "nope" }, resources: [bucket], now: new Date() }, lookup)).to.throw(UnknownCheckError);
  });

  it("truncates long text within ASFF limits without splitting a surrogate pair", () => {
    const long: CheckMetadata = { ...metadata, title: "T".repeat(400), description: "😀".repeat(2000), remediation: { text: "r".repeat(900) } };
    const f = buildFinding({ product, result: failed, resources: [bucket], now: new Date() }, () => long);
    expect(Array.from(f.Title!).length).to.equal(256);
    expect(Array.from(f.Description!).length).to.equal(1024);
    expect(f.Description!.endsWith("…")).to.equal(true);
    expect(Array.from(f.Remediation!.Recommendation!.Text!).length).to.equal(512);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(f.Description!)).to.equal(false);
    expect(truncate("😀😀😀", 2)).to.equal("😀…");
  });

  it("gives a stable Id that hashes when the readable form is over 512 characters", () => {
    const longArn = `arn:aws:s3:::${"b".repeat(600)}`;
    const a = findingId(longArn, metadata.id);
    expect(a).to.equal(findingId(longArn, metadata.id));
    expect(a.length).to.be.at.most(512);
    expect(a).to.match(/^s3_bucket_versioning_enabled\/[0-9a-f]{64}$/);
    expect(findingId(longArn, "other")).to.not.equal(a);
  });

  it("archives a prior finding with the same Id, ARCHIVED and a newer UpdatedAt; not without a stored finding", () => {
    const sent = buildFinding({ product, result: failed, resources: [bucket], now: new Date("2025-01-01T00:00:00Z") }, lookup);
    const prior: PriorFinding = { id: sent.Id!, createdAt: sent.CreatedAt!, firstObservedAt: sent.FirstObservedAt!, updatedAt: sent.UpdatedAt!, status: "FAILED", recordState: "ACTIVE", finding: sent };
    const archived = archiveFinding(prior, new Date("2025-01-01T00:00:00Z"), "The bucket was deleted.")!;
    expect(archived.Id).to.equal(sent.Id);
    expect(archived.RecordState).to.equal("ARCHIVED");
    expect(archived.CreatedAt).to.equal(sent.CreatedAt);
    expect(Date.parse(archived.UpdatedAt!)).to.be.greaterThan(Date.parse(sent.UpdatedAt!));
    expect(archiveFinding({ ...prior, finding: undefined }, new Date(), "x")).to.equal(undefined);
    expect(fingerprint(archived)).to.not.equal(fingerprint(sent));
  });

  it("archives a finding read back from Security Hub without the customer-owned fields (Workflow, Note, ...)", () => {
    // GetFindings returns Workflow/Note/UserDefinedFields/VerificationState and fields Security Hub fills in;
    // BatchImportFindings must not carry them (customer-owned: BatchUpdateFindings only).
    const sent = buildFinding({ product, result: failed, resources: [bucket], now: new Date("2025-01-01T00:00:00Z") }, lookup);
    const fromHub = {
      ...sent,
      Workflow: { Status: "SUPPRESSED" },
      WorkflowState: "NEW",
      Note: { Text: "accepted risk", UpdatedBy: "alice", UpdatedAt: "2025-01-02T00:00:00Z" },
      UserDefinedFields: { ticket: "SEC-1" },
      VerificationState: "BENIGN_POSITIVE",
      ProcessedAt: "2025-01-01T00:00:01Z",
    } as typeof sent;
    const prior: PriorFinding = { id: sent.Id!, createdAt: sent.CreatedAt!, firstObservedAt: sent.FirstObservedAt!, updatedAt: sent.UpdatedAt!, status: "FAILED", recordState: "ACTIVE", finding: fromHub };
    const archived = archiveFinding(prior, new Date("2025-02-01T00:00:00Z"), "The bucket was deleted.")!;
    for (const field of ["Workflow", "WorkflowState", "Note", "UserDefinedFields", "VerificationState", "ProcessedAt"]) expect(archived, field).to.not.have.property(field);
    expect(archived.RecordState).to.equal("ARCHIVED");
    expect(archived.FindingProviderFields).to.deep.equal(sent.FindingProviderFields);
  });

  it("builds the product ARN for other partitions", () => {
    expect(productArn({ accountId: "111122223333", partition: "aws-cn", region: "cn-north-1" })).to.equal("arn:aws-cn:securityhub:cn-north-1:111122223333:product/111122223333/default");
  });
});
