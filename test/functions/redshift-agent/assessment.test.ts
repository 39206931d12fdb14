import { expect } from "chai";
import type { ClusterConfig } from "../../../functions/shared/contracts/redshift-agent";
import { assessMigration, suggestedBaseRpu } from "../../../functions/redshift-agent/assessment";
import { parseWlm } from "../../../functions/redshift-agent/cluster-config";

/** A cluster that is ready: private, encrypted, three zones, CloudWatch audit logs, automatic WLM, TLS required. */
function ready(overrides: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    clusterId: "ready-dw",
    region: "us-east-2",
    status: "available",
    nodeType: "ra3.xlplus",
    numberOfNodes: 2,
    encryption: { encrypted: true, kmsKeyId: "arn:aws:kms:us-east-2:111111111111:key/k" },
    network: {
      vpcId: "vpc-1",
      subnetGroup: "sg",
      subnets: ["a", "b", "c"].map((z) => ({ subnetId: `subnet-${z}`, availabilityZone: `us-east-2${z}` })),
      securityGroups: [{ id: "sg-1" }],
      classicSecurityGroups: [],
      enhancedVpcRouting: false,
      publiclyAccessible: false,
    },
    parameterGroup: {
      name: "p",
      parameters: [
        { name: "require_ssl", value: "true", source: "user" },
        { name: "enable_user_activity_logging", value: "true", source: "user" },
      ],
      wlm: { mode: "auto", queues: 1 },
    },
    logging: { enabled: true, destination: "cloudwatch", logExports: ["connectionlog", "userlog", "useractivitylog"], userActivityLogging: true },
    snapshots: { scheduleDefinitions: [] },
    maintenance: { track: "current" },
    iamRoles: [],
    tags: {},
    ...overrides,
  };
}

describe("redshift agent migration assessment", () => {
  it("suggests base RPU from memory at 16 GiB per RPU, in steps of 8 from 8 to 512", () => {
    expect(suggestedBaseRpu("ra3.xlplus", 2)).to.equal(8); // 64 GiB -> 4 -> 8
    expect(suggestedBaseRpu("ra3.4xlarge", 2)).to.equal(16); // 192 GiB -> 12 -> 16
    expect(suggestedBaseRpu("ra3.16xlarge", 4)).to.equal(96); // 1536 GiB -> 96
    expect(suggestedBaseRpu("dc2.8xlarge", 128, "us-east-2")).to.equal(1024); // capped
    expect(suggestedBaseRpu("rg.future", 2)).to.equal(undefined);
  });

  it("knows ra3.large has 16 GiB of memory", () => {
    expect(suggestedBaseRpu("ra3.large", 16)).to.equal(16); // 256 GiB -> 16
  });

  it("suggests only base capacities a workgroup accepts: steps of 32 above 512, 1024 only where offered", () => {
    // 22 × ra3.16xlarge = 8448 GiB -> 528 RPUs: above 512 the steps are 32, so 544 (528 cannot be set).
    expect(suggestedBaseRpu("ra3.16xlarge", 22, "us-east-1")).to.equal(544);
    // The same cluster in a region whose maximum base capacity is 512.
    expect(suggestedBaseRpu("ra3.16xlarge", 22, "ap-south-1")).to.equal(512);
    expect(suggestedBaseRpu("dc2.8xlarge", 128, "eu-west-3")).to.equal(512);
    expect(suggestedBaseRpu("dc2.8xlarge", 128)).to.equal(512); // no region: the maximum every region accepts
    const a = assessMigration(ready({ nodeType: "ra3.16xlarge", numberOfNodes: 22, region: "ap-south-1" }));
    expect(a.suggestedBaseRpu).to.equal(512);
    expect(a.sizing).to.contain("at most 512");
  });

  it("finds a well-configured cluster ready, listing what carries over", () => {
    const a = assessMigration(ready(), { namespaces: [], workgroups: [] });
    expect(a.readiness).to.equal("ready");
    expect(a.needsAction.filter((n) => n.severity !== "info")).to.deep.equal([]);
    expect(a.carriesOver.join("\n")).to.contain("Automatic WLM").and.contain("Audit logging to CloudWatch Logs").and.contain("require_ssl=true").and.contain("3 subnets in 3 Availability Zones");
  });

  it("blocks HSM encryption and clusters outside a VPC", () => {
    const hsm = assessMigration(ready({ encryption: { encrypted: true, hsmConfiguration: "hsm-1" } }));
    expect(hsm.readiness).to.equal("blocked");
    expect(hsm.needsAction[0]).to.include({ topic: "HSM encryption", severity: "high" });
    const classic = assessMigration(ready({ network: { ...ready().network, vpcId: undefined, subnets: [], classicSecurityGroups: ["default"] } }));
    expect(classic.needsAction[0]).to.include({ topic: "Network", severity: "high" });
  });

  it("flags what Serverless does not carry over, each with a severity and an action", () => {
    const a = assessMigration(
      ready({
        nodeType: "rg.future",
        maintenance: { track: "trailing" },
        snapshots: { scheduleId: "s", scheduleDefinitions: ["rate(12 hours)"], crossRegionCopy: { destinationRegion: "us-west-2" } },
        tags: { team: "bi" },
      }),
      { namespaces: ["ready-dw"], workgroups: [] },
    );
    const bySeverity = a.needsAction.map((n) => `${n.severity}:${n.topic}`);
    expect(bySeverity).to.deep.equal(["medium:Sizing", "low:Snapshot schedule", "low:Cross-region snapshot copy", "low:Maintenance track", "low:Tags", "low:Naming"]);
    for (const n of a.needsAction) expect(n.action).to.be.a("string");
    expect(a.suggestedBaseRpu).to.equal(undefined);
    expect(a.readiness).to.equal("needs_work");
  });

  it("reads WLM: automatic, manual queues (short-query entry alone is not a queue), unreadable", () => {
    expect(parseWlm('[{"auto_wlm":true}]').mode).to.equal("auto");
    expect(parseWlm('[{"query_concurrency":5},{"query_concurrency":3},{"short_query_queue":true}]')).to.deep.include({ mode: "manual", queues: 2 });
    expect(parseWlm("not json").mode).to.equal("unknown");
    expect(parseWlm(undefined).mode).to.equal("unknown");
  });
});
