import { expect } from "chai";
import { loadConfig } from "../../../stacks/config";
import { SETTINGS } from "../../../stacks/settings";

function devWith(change: (auroraIam: Record<string, any>) => void): () => unknown {
  const copy = JSON.parse(JSON.stringify(SETTINGS));
  change(copy.dev.auroraIam);
  return () => loadConfig({ environment: "dev", settings: copy, offline: false });
}

describe("aurora-iam settings", () => {
  it("needs exactly one of a new VPC or an existing one", () => {
    expect(devWith((a) => delete a.vpc)).to.throw("Invalid setting environments.dev.auroraIam.vpc: expected exactly one of vpc (a new VPC) or existingVpc");
    expect(devWith((a) => (a.existingVpc = { vpcId: "vpc-0abc", subnetIds: ["subnet-0a", "subnet-0b"] }))).to.throw(/exactly one of vpc/);
    expect(devWith((a) => (delete a.vpc, (a.existingVpc = { vpcId: "vpc-0abc", subnetIds: ["subnet-0a", "subnet-0b"] })))()).to.have.nested.property("auroraIam.existingVpc.vpcId", "vpc-0abc");
  });

  it("names the key of a bad zone list, engine line or backup retention", () => {
    expect(devWith((a) => (a.vpc.availabilityZones = ["eu-west-1a"]))).to.throw("Invalid setting environments.dev.auroraIam.vpc.availabilityZones: expected at least two availability zones");
    expect(devWith((a) => (a.engineVersion = "16.4"))).to.throw('Invalid setting environments.dev.auroraIam.engineVersion: expected an Aurora PostgreSQL 15 version such as 15.10, got "16.4".');
    expect(devWith((a) => (a.backupRetentionDays = 3))).to.throw("Invalid setting environments.dev.auroraIam.backupRetentionDays: expected at least 7 days, got 3.");
    expect(devWith((a) => (a.existingVpc = { vpcId: "vpc-0abc", subnetIds: ["subnet-0a"] }))).to.throw(/auroraIam\.existingVpc\.subnetIds: expected subnets in at least two zones/);
  });
});
