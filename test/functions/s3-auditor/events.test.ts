import { expect } from "chai";
import { ValidationError } from "../../../functions/shared/platform/errors";
import { isSqsBatch, parseChangeBatch, parseTrigger } from "../../../functions/s3-auditor/events";

const defaults = { regions: ["eu-west-1", "eu-central-1"] };
const cloudTrail = (eventName: string, extra: Record<string, unknown> = {}) => ({
  version: "0",
  "detail-type": "AWS API Call via CloudTrail",
  source: "aws.s3",
  account: "111122223333",
  region: "eu-west-1",
  detail: { eventSource: "s3.amazonaws.com", eventName, awsRegion: "eu-west-1", requestParameters: { bucketName: "my-bucket", policy: "{}" }, ...extra },
});

describe("S3 auditor triggers", () => {
  it("turns the schedule into a full audit of the configured regions", () => {
    const scope = parseTrigger({ version: "0", "detail-type": "Scheduled Event", source: "aws.events", time: "2025-01-01T00:00:00Z", resources: ["arn:aws:events:eu-west-1:111122223333:rule/x"], detail: {} }, defaults);
    expect(scope).to.deep.equal({ trigger: "schedule", regions: ["eu-west-1", "eu-central-1"] });
  });

  it("audits just the bucket a CloudTrail event names", () => {
    expect(parseTrigger(cloudTrail("PutBucketPolicy"), defaults)).to.deep.equal({ trigger: "cloudtrail", buckets: ["my-bucket"] });
    expect(parseTrigger(cloudTrail("PutBucketEncryption"), defaults).buckets).to.deep.equal(["my-bucket"]);
  });

  it("marks a successful DeleteBucket for archiving, but not a failed one", () => {
    expect(parseTrigger(cloudTrail("DeleteBucket"), defaults)).to.deep.equal({ trigger: "cloudtrail", buckets: ["my-bucket"], deletedBuckets: ["my-bucket"] });
    expect(parseTrigger(cloudTrail("DeleteBucket", { errorCode: "BucketNotEmpty" }), defaults)).to.deep.equal({ trigger: "cloudtrail", buckets: ["my-bucket"] });
  });

  it("re-audits (never archives) the bucket of any failed call: it changed nothing, so the audit is an idempotent refresh", () => {
    expect(parseTrigger(cloudTrail("PutBucketPolicy", { errorCode: "AccessDenied", errorMessage: "Access Denied" }), defaults)).to.deep.equal({ trigger: "cloudtrail", buckets: ["my-bucket"] });
    expect(parseTrigger(cloudTrail("DeleteBucket", { errorCode: "AccessDenied" }), defaults)).to.not.have.property("deletedBuckets");
  });

  it("accepts a direct invocation with buckets, de-duplicated", () => {
    expect(parseTrigger({ buckets: ["a-bucket", "b-bucket", "a-bucket"] }, defaults)).to.deep.equal({ trigger: "direct", buckets: ["a-bucket", "b-bucket"] });
  });

  it("rejects anything else with a ValidationError that says what to send", () => {
    for (const bad of [{}, { buckets: [] }, { buckets: ["bad name!"] }, { buckets: ["ok"], extra: 1 }, null, "x", cloudTrail("GetObject"), { ...cloudTrail("PutBucketAcl"), source: "aws.ec2" }]) {
      expect(() => parseTrigger(bad, defaults), JSON.stringify(bad)).to.throw(ValidationError);
    }
    expect(() => parseTrigger({}, defaults)).to.throw(/\{"buckets": \["name", \.\.\.\]\}/);
  });
});

describe("S3 auditor: batches from the bucket-change queue", () => {
  const record = (messageId: string, body: unknown) => ({ messageId, receiptHandle: "r", body: JSON.stringify(body), attributes: {}, messageAttributes: {}, eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:eu-west-1:111122223333:q", awsRegion: "eu-west-1" });
  const change = (bucket: string, eventName = "PutBucketPolicy") => {
    const event = cloudTrail(eventName);
    return { ...event, detail: { ...event.detail, requestParameters: { bucketName: bucket } } };
  };

  it("audits each bucket of a burst once, the last event deciding a deletion, and sends unreadable records back", () => {
    const event = {
      Records: [
        record("1", change("b")),
        record("2", change("a")),
        record("3", change("b", "PutBucketAcl")),
        record("4", change("gone", "DeleteBucket")),
        record("5", "not an event"),
        record("6", change("a", "DeleteBucket")),
        record("7", change("a", "CreateBucket")),
      ],
    };
    expect(isSqsBatch(event)).to.equal(true);
    const batch = parseChangeBatch(event, defaults);
    expect(batch.scope).to.deep.equal({ trigger: "cloudtrail", buckets: ["a", "b", "gone"], deletedBuckets: ["gone"] });
    expect(batch.unreadable).to.deep.equal(["5"]);
    expect(batch.covered).to.have.length(6);
  });

  it("is not confused with other events, and refuses a malformed batch with a ValidationError", () => {
    expect(isSqsBatch({ buckets: ["a"] })).to.equal(false);
    expect(() => parseChangeBatch({ Records: [] }, defaults)).to.throw(ValidationError);
  });
});
