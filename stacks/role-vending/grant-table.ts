import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { GRANT_TABLE_INDEXES as INDEXES, GRANT_TABLE_TTL_ATTRIBUTE as TTL_ATTRIBUTE } from "../../functions/shared/contracts/role-vending-api";
import type { SecureKmsKey } from "../constructs/kms-key";
import type { NodeFunction } from "../constructs/node-function";

export interface GrantTableProps {
  readonly name: string;
  readonly kmsKey: SecureKmsKey;
  readonly region: string;
}

/**
 * The grant table: on-demand, point-in-time recovery, the stack's customer key, deletion
 * protection, TTL for garbage collection only (reads filter by end time), and the two indexes
 * (by requester, by status and end). Key names come from the grant store, so code and table agree.
 */
export class GrantTable extends Construct {
  readonly table: DynamodbTable;
  private readonly props: GrantTableProps;

  constructor(scope: Construct, id: string, props: GrantTableProps) {
    super(scope, id);
    this.props = props;
    this.table = new DynamodbTable(this, "this", {
      name: props.name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: "pk",
      rangeKey: "sk",
      attribute: ["pk", "sk", INDEXES.byRequester.partition, INDEXES.byRequester.sort, INDEXES.byStatusEnd.partition, INDEXES.byStatusEnd.sort].map((name) => ({ name, type: "S" })),
      globalSecondaryIndex: [INDEXES.byRequester, INDEXES.byStatusEnd].map((i) => ({ name: i.name, hashKey: i.partition, rangeKey: i.sort, projectionType: "ALL" })),
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKey.arn },
      deletionProtectionEnabled: true,
      ttl: { attributeName: TTL_ATTRIBUTE, enabled: true },
    });
  }

  /** Item and index reads and writes (conditional writes included), and the table key through DynamoDB only; sets GRANTS_TABLE. */
  grantReadWrite(fn: NodeFunction): void {
    this.grant(fn, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]);
  }

  /** Reads and index queries only (the report). */
  grantRead(fn: NodeFunction): void {
    this.grant(fn, ["dynamodb:GetItem", "dynamodb:Query"]);
  }

  private grant(fn: NodeFunction, actions: string[]): void {
    fn.addToRolePolicy({ Sid: "UseGrantTable", Effect: "Allow", Action: actions, Resource: [this.table.arn, `${this.table.arn}/index/*`] });
    fn.addToRolePolicy({
      Sid: "GrantTableKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      Resource: this.props.kmsKey.arn,
      Condition: { StringEquals: { "kms:ViaService": `dynamodb.${this.props.region}.amazonaws.com` } },
    });
    fn.addEnvironment("GRANTS_TABLE", this.table.name);
  }
}
