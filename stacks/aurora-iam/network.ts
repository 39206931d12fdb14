import { Construct } from "constructs";
import { Fn, type ITerraformDependable } from "cdktf";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { policyDocument } from "../constructs/policy-document";
import type { SecureKmsKey } from "../constructs/kms-key";

export const POSTGRES_PORT = 5432;
const HTTPS_PORT = 443;

/** What every function of the subsystem is given: it runs in the network, logs encrypted with the stack's key. */
export interface AuroraFunctionProps {
  readonly functionName: string;
  readonly accountId: string;
  readonly region: string;
  readonly kmsKey: SecureKmsKey;
  readonly logRetentionDays: number;
  readonly network: AuroraNetwork;
}

export interface AuroraNetworkProps {
  /** Names every resource. */
  readonly prefix: string;
  readonly region: string;
  readonly accountId: string;
  /** A new VPC with one private subnet per zone (no internet gateway, no NAT). */
  readonly vpc?: { readonly cidrBlock: string; readonly availabilityZones: readonly string[] };
  /** Or an existing VPC and its subnets (in at least two zones). */
  readonly existingVpc?: { readonly vpcId: string; readonly subnetIds: readonly string[] };
}

/**
 * The subsystem's network: private subnets in at least two zones and security groups chained on
 * 5432 only: writer -> proxy -> cluster, and the bootstrap and rotation functions -> cluster directly
 * (the proxy admits only IAM, and they log in with passwords). No other ingress; egress only to the
 * next hop. The bootstrap and rotation functions also reach Secrets Manager, through an interface
 * endpoint: the subnets have no route to the internet, and the endpoint keeps that so. The writer
 * signs its IAM token locally and needs no AWS endpoint at all.
 */
export class AuroraNetwork extends Construct {
  readonly vpcId: string;
  readonly subnetIds: string[];
  /** The writer function's group: egress 5432 to the proxy only. */
  readonly writerSecurityGroup: SecurityGroup;
  readonly proxySecurityGroup: SecurityGroup;
  readonly clusterSecurityGroup: SecurityGroup;
  /** The bootstrap function's group: 5432 to the cluster, 443 to the Secrets Manager endpoint. */
  readonly bootstrapSecurityGroup: SecurityGroup;
  /** For the writer secret's rotation function (credentials subsystem): same paths as the bootstrap. */
  readonly rotationSecurityGroup: SecurityGroup;
  readonly endpointSecurityGroup: SecurityGroup;
  readonly secretsManagerEndpoint: VpcEndpoint;
  /** What must exist before the bootstrap function can reach the cluster and Secrets Manager: the endpoint and its rules. */
  readonly bootstrapPaths: ITerraformDependable[];
  /**
   * What must exist before the rotation function can reach Secrets Manager: enabling rotation makes
   * the service run its testSecret step at once, and that fails (apply fails) without these.
   */
  readonly rotationPaths: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: AuroraNetworkProps) {
    super(scope, id);
    if ((props.vpc === undefined) === (props.existingVpc === undefined)) throw new Error("AuroraNetwork needs exactly one of vpc or existingVpc.");

    if (props.vpc) {
      const vpc = new Vpc(this, "vpc", { cidrBlock: props.vpc.cidrBlock, enableDnsSupport: true, enableDnsHostnames: true, tags: { Name: props.prefix } });
      // The default group allows all traffic between its members: take every rule away (nothing uses it).
      new DefaultSecurityGroup(this, "default-sg", { vpcId: vpc.id, ingress: [], egress: [], tags: { Name: `${props.prefix}-default-unused` } });
      this.vpcId = vpc.id;
      this.subnetIds = props.vpc.availabilityZones.map(
        (zone, i) =>
          new Subnet(this, `private-${zone}`, {
            vpcId: vpc.id,
            availabilityZone: zone,
            cidrBlock: Fn.cidrsubnet(props.vpc!.cidrBlock, 4, i),
            mapPublicIpOnLaunch: false,
            tags: { Name: `${props.prefix}-private-${zone}` },
          }).id,
      );
    } else {
      this.vpcId = props.existingVpc!.vpcId;
      this.subnetIds = [...props.existingVpc!.subnetIds];
    }

    const group = (name: string, description: string) =>
      // No inline rules: Terraform then also removes AWS's default allow-all egress.
      new SecurityGroup(this, `${name}-sg`, { name: `${props.prefix}-${name}`, description, vpcId: this.vpcId, tags: { Name: `${props.prefix}-${name}` } });
    this.writerSecurityGroup = group("writer", "Aurora writer function: 5432 to the RDS Proxy only");
    this.proxySecurityGroup = group("proxy", "RDS Proxy: 5432 from the writer, 5432 to the cluster");
    this.clusterSecurityGroup = group("cluster", "Aurora cluster: 5432 from the proxy, the bootstrap and the rotation only");
    this.bootstrapSecurityGroup = group("bootstrap", "Database bootstrap function: 5432 to the cluster, 443 to Secrets Manager");
    this.rotationSecurityGroup = group("rotation", "Writer secret rotation function: 5432 to the cluster, 443 to Secrets Manager");
    this.endpointSecurityGroup = group("secretsmanager-endpoint", "Secrets Manager endpoint: 443 from the bootstrap and rotation functions");

    this.allow("writer-to-proxy", this.writerSecurityGroup, this.proxySecurityGroup, POSTGRES_PORT);
    this.allow("proxy-to-cluster", this.proxySecurityGroup, this.clusterSecurityGroup, POSTGRES_PORT);
    const bootstrapToCluster = this.allow("bootstrap-to-cluster", this.bootstrapSecurityGroup, this.clusterSecurityGroup, POSTGRES_PORT);
    const rotationToCluster = this.allow("rotation-to-cluster", this.rotationSecurityGroup, this.clusterSecurityGroup, POSTGRES_PORT);
    const bootstrapToEndpoint = this.allow("bootstrap-to-secretsmanager", this.bootstrapSecurityGroup, this.endpointSecurityGroup, HTTPS_PORT);
    const rotationToEndpoint = this.allow("rotation-to-secretsmanager", this.rotationSecurityGroup, this.endpointSecurityGroup, HTTPS_PORT);

    const secretArns = [`arn:aws:secretsmanager:${props.region}:${props.accountId}:secret:${props.prefix}/*`, `arn:aws:secretsmanager:${props.region}:${props.accountId}:secret:rds!cluster-*`];
    this.secretsManagerEndpoint = new VpcEndpoint(this, "secretsmanager-endpoint", {
      vpcId: this.vpcId,
      serviceName: `com.amazonaws.${props.region}.secretsmanager`,
      vpcEndpointType: "Interface",
      privateDnsEnabled: true,
      subnetIds: this.subnetIds,
      securityGroupIds: [this.endpointSecurityGroup.id],
      // Only this account's principals, only this stack's secrets and the cluster's master secret.
      policy: policyDocument([
        {
          Sid: "ThisStacksSecretsOnly",
          Effect: "Allow",
          Principal: "*",
          Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
          Resource: secretArns,
          Condition: { StringEquals: { "aws:PrincipalAccount": props.accountId } },
        },
        {
          Sid: "RandomPasswordsForRotation",
          Effect: "Allow",
          Principal: "*",
          // GetRandomPassword has no resource type.
          Action: "secretsmanager:GetRandomPassword",
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalAccount": props.accountId } },
        },
      ]),
      tags: { Name: `${props.prefix}-secretsmanager` },
    });
    this.bootstrapPaths = [this.secretsManagerEndpoint, ...bootstrapToCluster, ...bootstrapToEndpoint];
    this.rotationPaths = [this.secretsManagerEndpoint, ...rotationToEndpoint, ...rotationToCluster];
  }

  /** One TCP port from one group to another: the egress rule on `from` and the ingress rule on `to`. */
  private allow(name: string, from: SecurityGroup, to: SecurityGroup, port: number): ITerraformDependable[] {
    return [
      new VpcSecurityGroupEgressRule(this, `${name}-egress`, { securityGroupId: from.id, referencedSecurityGroupId: to.id, ipProtocol: "tcp", fromPort: port, toPort: port, description: name }),
      new VpcSecurityGroupIngressRule(this, `${name}-ingress`, { securityGroupId: to.id, referencedSecurityGroupId: from.id, ipProtocol: "tcp", fromPort: port, toPort: port, description: name }),
    ];
  }
}
