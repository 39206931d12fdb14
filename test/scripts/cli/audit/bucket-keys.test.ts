import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient } from "@aws-sdk/client-kms";
import type { S3AuditReport } from "../../../../functions/shared/cspm/audit-types";
import { KMS_KEY_CHECKS, KMS_KEY_USABLE } from "../../../../functions/shared/cspm/s3/key-findings";
import { addKeyFindings, withKeyFindings } from "../../../../scripts/cli/audit/bucket-keys";
import { ACCOUNT, DEFAULT_POLICY, KEY_ARN, KEY_ID, keyMetadata, REGION } from "../../../functions/kms-auditor/fixtures";

const bucket = (name: string, kmsKeyIds: string[]) => ({ bucket: name, region: REGION, arn: `arn:aws:s3:::${name}`, kmsKeyIds, results: [] });
const report = (buckets: ReturnType<typeof bucket>[]): S3AuditReport => ({
  accountId: ACCOUNT,
  partition: "aws",
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:01.000Z",
  scope: {},
  account: { region: REGION, results: [] },
  buckets,
  deletedBuckets: [],
  errors: [],
  apiCalls: 0,
});

describe("audit buckets: key findings judged in-process with the KMS checks", () => {
  let kms: ReturnType<typeof mockClient>;
  beforeEach(() => {
    kms = mockClient(KMSClient);
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMetadata({ KeyState: "PendingDeletion", Enabled: false }) });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: DEFAULT_POLICY });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true });
  });
  afterEach(() => kms.restore());

  it("asks about each distinct key once and gives every bucket using it the same findings the Lambda sends", async () => {
    const client = new KMSClient({ region: REGION });
    const out = await addKeyFindings(report([bucket("a", [KEY_ARN]), bucket("b", [KEY_ID]), bucket("plain", [])]), () => client, new Date("2026-01-01T00:00:00Z"));
    expect(kms.commandCalls(DescribeKeyCommand)).to.have.length(1);
    for (const name of ["a", "b"]) {
      const usable = out.buckets.find((b) => b.bucket === name)!.results.find((r) => r.checkId === KMS_KEY_USABLE.id);
      expect(usable, name).to.include({ status: "FAILED", severity: "CRITICAL" });
    }
    expect(out.buckets.find((b) => b.bucket === "plain")!.results.map((r) => r.status)).to.deep.equal(["NOT_APPLICABLE", "NOT_APPLICABLE"]);
    expect(withKeyFindings(() => undefined)(KMS_KEY_CHECKS.id)).to.equal(KMS_KEY_CHECKS);
  });

  it("a key id AWS reports that the parser does not recognise is NOT_AVAILABLE for that bucket, not a usage error", async () => {
    const out = await addKeyFindings(report([bucket("odd", [`arn:aws:kms:${REGION}:${ACCOUNT}:key/odd-name`])]), () => new KMSClient({ region: REGION }), new Date());
    expect(out.buckets[0]!.results.map((r) => [r.status, r.errorCode])).to.deep.equal([["NOT_AVAILABLE", "InvalidKeyId"], ["NOT_AVAILABLE", "InvalidKeyId"]]);
  });
});
