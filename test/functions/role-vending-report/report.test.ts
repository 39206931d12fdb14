import { expect } from "chai";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { toCsv, writeReport } from "../../../functions/role-vending-report/report";
import { requestGrant } from "../../../functions/role-vending-api/core";
import { reportSchema } from "../../../functions/shared/contracts/role-vending-api";
import { ALICE, iamStandIn, startDynalite, vendorDeps, type Dynalite } from "../role-vending/support";

describe("role-vending-report: the daily active-grant report", () => {
  let dynamo: Dynalite;
  before(async () => {
    dynamo = await startDynalite();
  });
  after(async () => dynamo.stop());

  it("writes JSON and CSV of the active grants (latest and dated), filtered by end time", async () => {
    const iam = iamStandIn();
    const s3mock = mockClient(S3Client);
    s3mock.on(PutObjectCommand).resolves({});
    try {
      const v = vendorDeps(await dynamo.store(), iam.client);
      const caller = { arn: ALICE, identityArn: ALICE, trustPrincipal: ALICE, sourceIdentity: "alice" };
      await requestGrant(v.deps, caller, { projectId: "payments", tier: "read-only", durationMinutes: 60, reason: "check the ledger" });
      const short = await requestGrant(v.deps, caller, { projectId: "search", tier: "developer", durationMinutes: 15, reason: "=cmd|' /C calc'!A0 formula" });
      v.clock.now = new Date(Date.parse(short.end) + 1000);
      const { report, keys } = await writeReport({ ...v.deps, s3: new S3Client({ region: "eu-west-1" }), bucket: "reports" });
      expect(report.activeGrants).to.have.length(1);
      expect(report.counts.byTier).to.deep.equal({ "read-only": 1 });
      expect(keys).to.include.members(["reports/latest.json", "reports/latest.csv", "reports/2030-01-01.json"]);
      const body = s3mock.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key === "reports/latest.json")!.args[0].input.Body as string;
      expect(reportSchema.parse(JSON.parse(body)).activeGrants[0]!.projectId).to.equal("payments");
      expect(toCsv([short])).to.include(`,'=cmd|' /C calc'!A0 formula`);
    } finally {
      iam.mock.restore();
      s3mock.restore();
    }
  });
});
