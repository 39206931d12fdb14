import { expect } from "chai";
import { SecureKmsKey } from "../../../stacks/constructs/kms-key";
import { only, statements, synthScope } from "../../support/synth";

describe("SecureKmsKey construct", () => {
  it("always rotates, keeps the longest deletion window and names its users in the key policy", () => {
    const out = synthScope((scope) => {
      const key = new SecureKmsKey(scope, "key", { description: "d", alias: "app", accountId: "111111111111", region: "eu-west-1" });
      key.allowService("cloudwatch.amazonaws.com");
      key.allowService("cloudwatch.amazonaws.com"); // twice: one statement
      key.allowPrincipal("AuditorDecrypts", "arn:aws:iam::111111111111:role/auditor", ["kms:Decrypt"]);
    });
    const key = only(out, "aws_kms_key");
    expect(key).to.include({ enable_key_rotation: true, deletion_window_in_days: 30, customer_master_key_spec: "SYMMETRIC_DEFAULT" });
    const policy = statements(key.policy);
    expect(policy[0].Principal).to.deep.equal({ AWS: "arn:aws:iam::111111111111:root" });
    expect(policy.filter((s) => s.Principal?.Service === "cloudwatch.amazonaws.com")).to.have.length(1);
    expect(policy.find((s) => s.Sid === "AuditorDecrypts")?.Principal).to.deep.equal({ AWS: "arn:aws:iam::111111111111:role/auditor" });
    expect(only(out, "aws_kms_alias").name).to.equal("alias/app");
  });
});
