import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { DbProxy } from "@cdktf/provider-aws/lib/db-proxy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Construct } from "constructs";
import storageKms from "../../../stacks/rules/rds-storage-kms-encrypted";
import iamAuth from "../../../stacks/rules/rds-iam-auth-enabled";
import deletion from "../../../stacks/rules/rds-deletion-protected";
import backups from "../../../stacks/rules/rds-backups-kept-7-days";
import tls from "../../../stacks/rules/rds-tls-enforced";
import logs from "../../../stacks/rules/rds-logs-exported";
import notPublic from "../../../stacks/rules/rds-instance-not-public";
import proxyTls from "../../../stacks/rules/rds-proxy-tls-required";
import proxyIam from "../../../stacks/rules/rds-proxy-iam-auth-required";
import noPublicIngress from "../../../stacks/rules/security-group-no-public-ingress";
import noAllPorts from "../../../stacks/rules/security-group-no-all-ports";
import deadLettered from "../../../stacks/rules/eventbridge-target-dead-lettered";
import { EventTrigger } from "../../../stacks/constructs/event-trigger";
import { SecureQueue } from "../../../stacks/constructs/secure-queue";
import { fakeFunction } from "../../support/synth";
import { expectStatus, judge, stackKey } from "./support";

const secureCluster = (scope: Construct) => {
  const params = new DbParameterGroup(scope, "params", { name: "p", family: "aurora-postgresql16", parameter: [{ name: "rds.force_ssl", value: "1" }] });
  const cluster = new RdsCluster(scope, "cluster", {
    clusterIdentifier: "c",
    engine: "aurora-postgresql",
    storageEncrypted: true,
    kmsKeyId: stackKey(scope).arn,
    iamDatabaseAuthenticationEnabled: true,
    deletionProtection: true,
    backupRetentionPeriod: 7,
    enabledCloudwatchLogsExports: ["postgresql"],
    dbClusterParameterGroupName: params.name,
  });
  new RdsClusterInstance(scope, "instance", { clusterIdentifier: cluster.id, instanceClass: "db.t4g.medium", engine: "aurora-postgresql" });
};
const looseInstance = (scope: Construct) => new DbInstance(scope, "db", { instanceClass: "db.t4g.micro", engine: "mysql", allocatedStorage: 20, publiclyAccessible: true, backupRetentionPeriod: 1 });

describe("RDS, RDS Proxy, security group and EventBridge rules", () => {
  for (const rule of [storageKms, iamAuth, deletion, backups, tls, logs]) {
    it(`${rule.id}: a hardened Aurora cluster complies; a loose MySQL instance does not`, () => {
      expectStatus(judge(rule, secureCluster), "cluster", "compliant");
      expectStatus(judge(rule, looseInstance), "db", "non-compliant");
    });
  }

  it("rds-tls-enforced accepts PostgreSQL 15+ on its default parameter group (it forces TLS)", () => {
    expectStatus(judge(tls, (s) => new DbInstance(s, "db", { instanceClass: "db.t4g.micro", engine: "postgres", engineVersion: "16.4", allocatedStorage: 20 })), "db", "compliant", "default parameter group");
    expectStatus(judge(tls, (s) => new DbInstance(s, "db", { instanceClass: "db.t4g.micro", engine: "postgres", engineVersion: "14.9", allocatedStorage: 20 })), "db", "non-compliant", "rds.force_ssl");
    expectStatus(judge(tls, (s) => new RdsCluster(s, "aurora", { clusterIdentifier: "a", engine: "aurora-postgresql", engineVersion: "16.4" })), "aurora", "non-compliant", "rds.force_ssl");
  });

  it("rds-instance-not-public: cluster instances are private by default; publicly_accessible fails", () => {
    expectStatus(judge(notPublic, secureCluster), "instance", "compliant");
    expectStatus(judge(notPublic, looseInstance), "db", "non-compliant");
  });

  it("rds-proxy-tls-required and rds-proxy-iam-auth-required", () => {
    const proxy = (secure: boolean) => (s: Construct) =>
      new DbProxy(s, "proxy", {
        name: "p",
        engineFamily: "POSTGRESQL",
        roleArn: "arn:aws:iam::111111111111:role/proxy",
        vpcSubnetIds: ["subnet-1"],
        requireTls: secure,
        auth: [{ authScheme: "SECRETS", iamAuth: secure ? "REQUIRED" : "DISABLED", secretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:x" }],
      });
    for (const rule of [proxyTls, proxyIam]) {
      expectStatus(judge(rule, proxy(true)), "proxy", "compliant");
      expectStatus(judge(rule, proxy(false)), "proxy", "non-compliant");
    }
  });

  it("security-group-no-public-ingress and security-group-no-all-ports: a chained tcp/5432 rule passes; anywhere and all ports fail (inline or separate rules)", () => {
    const chained = (s: Construct) => {
      const app = new SecurityGroup(s, "app", { name: "app", vpcId: "vpc-1" });
      const db = new SecurityGroup(s, "db", { name: "db", vpcId: "vpc-1" });
      new VpcSecurityGroupIngressRule(s, "db-from-app", { securityGroupId: db.id, referencedSecurityGroupId: app.id, ipProtocol: "tcp", fromPort: 5432, toPort: 5432 });
    };
    const open = (s: Construct) => {
      const sg = new SecurityGroup(s, "open", { name: "open", vpcId: "vpc-1", ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] });
      new VpcSecurityGroupIngressRule(s, "all", { securityGroupId: sg.id, ipProtocol: "-1", cidrIpv6: "::/0" });
    };
    for (const rule of [noPublicIngress, noAllPorts]) {
      expectStatus(judge(rule, chained), "db", "compliant");
      expectStatus(judge(rule, open), "open", "non-compliant");
    }
  });

  it("security-group-no-all-ports: tcp 1-65535 is the whole port range too (port 0 is reserved); a narrow range passes", () => {
    const range = (from: number) => (s: Construct) => {
      const sg = new SecurityGroup(s, "sg", { name: "sg", vpcId: "vpc-1" });
      new VpcSecurityGroupIngressRule(s, "range", { securityGroupId: sg.id, referencedSecurityGroupId: sg.id, ipProtocol: "tcp", fromPort: from, toPort: 65535 });
    };
    expectStatus(judge(noAllPorts, range(1)), "sg", "non-compliant");
    expectStatus(judge(noAllPorts, range(1024)), "sg", "compliant");
  });

  it("eventbridge-target-dead-lettered: EventTrigger with a SecureQueue passes (and the queue admits only that rule); without one fails", () => {
    const trigger = (withDlq: boolean) => (s: Construct) => {
      const { fn, kmsKey } = fakeFunction(s, "fn");
      const dlq = withDlq ? new SecureQueue(s, "dlq", { name: "dlq", kmsKey }) : undefined;
      new EventTrigger(s, "t", { name: "t", description: "d", target: fn, schedule: "rate(1 day)", deadLetterQueue: dlq });
    };
    expectStatus(judge(deadLettered, trigger(true)), "t/target", "compliant");
    expectStatus(judge(deadLettered, trigger(false)), "t/target", "non-compliant", "dead_letter_config");
  });
});
