/**
 * The grant table (one DynamoDB table, on-demand): grants, their append-only audit records and the
 * per-user rate-limit counters. TTL (`expiresAt`, epoch seconds) is garbage collection only: it
 * lags by days, so every read judges a grant by its end time ({@link effectiveStatus}).
 *
 * Items:
 * - grant:  pk `GRANT#<id>`, sk `GRANT`; GSI `by-requester` (requester, createdAt), GSI `by-status-end` (status, end)
 * - audit:  pk `GRANT#<id>`, sk `AUDIT#<iso time>#<random>`; written once, never updated
 * - rate:   pk `RATE#<requester>`, sk `<minute start, epoch s>`; an atomic counter
 */
import { randomBytes } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { GRANT_TABLE_INDEXES as INDEXES, GRANT_TABLE_TTL_ATTRIBUTE as TTL_ATTRIBUTE, type Grant, type GrantStatus } from "../contracts/role-vending-api";


/** How long finished grants and rate counters stay before TTL may collect them. */
const GRANT_RETENTION_SECONDS = 400 * 24 * 3600;

export type AuditAction = "requested" | "denied" | "approved" | "granted" | "assumed" | "assume-failed" | "revoked" | "expired" | "failed" | "cleanup-failed";

export interface AuditRecord {
  readonly grantId: string;
  readonly action: AuditAction;
  readonly actor: string;
  readonly at: string;
  readonly detail?: Record<string, unknown>;
}

/** A grant's status as of `now`: an ACTIVE grant past its end is EXPIRED even before cleanup has run. */
export function effectiveStatus(grant: Pick<Grant, "status" | "end" | "approvalExpiresAt">, now: Date): GrantStatus {
  if (grant.status === "ACTIVE" && Date.parse(grant.end) <= now.getTime()) return "EXPIRED";
  if (grant.status === "PENDING_APPROVAL" && (Date.parse(grant.end) <= now.getTime() || (grant.approvalExpiresAt && Date.parse(grant.approvalExpiresAt) <= now.getTime()))) return "EXPIRED";
  return grant.status;
}

export function withEffectiveStatus(grant: Grant, now: Date): Grant {
  const status = effectiveStatus(grant, now);
  return status === grant.status ? grant : { ...grant, status };
}

export function newGrantId(): string {
  return `g-${randomBytes(10).toString("hex")}`;
}

const GRANT_FIELDS = ["id", "projectId", "requester", "sourceIdentity", "requesterUserId", "tier", "reason", "start", "end", "cidrs", "externalId", "status", "approver", "decisionReason", "roleArn", "maxSessionSeconds", "approvalExpiresAt", "createdAt", "updatedAt"] as const;

function toGrant(item: Record<string, unknown>): Grant {
  const out: Record<string, unknown> = {};
  for (const f of GRANT_FIELDS) if (item[f] !== undefined) out[f] = item[f];
  return out as Grant;
}

/** The rate limiter's answer when a user is over the limit. */
export class RateLimitExceeded extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`over the limit; retry in ${retryAfterSeconds} s`);
    this.name = "RateLimitExceeded";
  }
}

export interface StatusChange {
  readonly from: readonly GrantStatus[];
  readonly to: GrantStatus;
  readonly now: Date;
  readonly set?: Partial<Pick<Grant, "approver" | "decisionReason" | "roleArn" | "maxSessionSeconds">>;
}

export class GrantStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * Counts one request of `requester` in the current minute, atomically: ADD with a condition that
   * the count is below the limit. Over the limit → {@link RateLimitExceeded} with the seconds until
   * the next minute.
   */
  async consumeRateLimit(requester: string, limit: number, now: Date): Promise<number> {
    const minute = Math.floor(now.getTime() / 60_000) * 60;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `RATE#${requester}`, sk: String(minute) },
          UpdateExpression: "ADD #count :one SET #ttl = if_not_exists(#ttl, :ttl)",
          ConditionExpression: "attribute_not_exists(#count) OR #count < :limit",
          ExpressionAttributeNames: { "#count": "count", "#ttl": TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ":one": 1, ":limit": limit, ":ttl": minute + 300 },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return Number(out.Attributes?.count ?? 0);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new RateLimitExceeded(Math.max(1, minute + 60 - Math.floor(now.getTime() / 1000)));
      throw error;
    }
  }

  /** Writes a new grant; fails if the id exists. */
  async create(grant: Grant): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `GRANT#${grant.id}`, sk: "GRANT", ...grant, [TTL_ATTRIBUTE]: Math.floor(Date.parse(grant.end) / 1000) + GRANT_RETENTION_SECONDS },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(id: string): Promise<Grant | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `GRANT#${id}`, sk: "GRANT" }, ConsistentRead: true }));
    return out.Item ? toGrant(out.Item) : undefined;
  }

  /**
   * Moves a grant from one of `from` to `to` in one conditional write; undefined when the grant was
   * not in one of those states (another run or caller got there first).
   */
  async transition(id: string, change: StatusChange): Promise<Grant | undefined> {
    const names: Record<string, string> = { "#status": "status", "#updatedAt": "updatedAt" };
    const values: Record<string, unknown> = { ":to": change.to, ":now": change.now.toISOString() };
    const sets = ["#status = :to", "#updatedAt = :now"];
    for (const [k, v] of Object.entries(change.set ?? {})) {
      if (v === undefined) continue;
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    const fromKeys = change.from.map((s, i) => {
      values[`:from${i}`] = s;
      return `:from${i}`;
    });
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `GRANT#${id}`, sk: "GRANT" },
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${fromKeys.join(", ")})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return toGrant(out.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Sets fields of an ACTIVE grant (e.g. the role ARN once the role exists). */
  async setRole(id: string, roleArn: string, maxSessionSeconds: number, now: Date): Promise<Grant | undefined> {
    return this.transition(id, { from: ["ACTIVE"], to: "ACTIVE", now, set: { roleArn, maxSessionSeconds } });
  }

  private async queryAll(input: QueryCommandInput, limit = Infinity): Promise<Grant[]> {
    const out: Grant[] = [];
    let key: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: key }));
      for (const item of page.Items ?? []) out.push(toGrant(item));
      key = page.LastEvaluatedKey;
    } while (key && out.length < limit);
    return out.slice(0, limit);
  }

  /** A requester's grants, newest first. */
  async listByRequester(requester: string, limit = 100): Promise<Grant[]> {
    return this.queryAll(
      {
        TableName: this.tableName,
        IndexName: INDEXES.byRequester.name,
        KeyConditionExpression: "#r = :r",
        ExpressionAttributeNames: { "#r": "requester" },
        ExpressionAttributeValues: { ":r": requester },
        ScanIndexForward: false,
      },
      limit,
    );
  }

  /** Grants in one status, optionally only those ending at or before `endingBy` (ISO), soonest end first. */
  async listByStatus(status: GrantStatus, options: { endingBy?: string; endingAfter?: string; limit?: number } = {}): Promise<Grant[]> {
    const names: Record<string, string> = { "#s": "status" };
    const values: Record<string, unknown> = { ":s": status };
    let condition = "#s = :s";
    if (options.endingBy !== undefined) {
      names["#e"] = "end";
      values[":e"] = options.endingBy;
      condition += " AND #e <= :e";
    } else if (options.endingAfter !== undefined) {
      names["#e"] = "end";
      values[":e"] = options.endingAfter;
      condition += " AND #e > :e";
    }
    return this.queryAll({ TableName: this.tableName, IndexName: INDEXES.byStatusEnd.name, KeyConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values }, options.limit);
  }

  /** Appends one audit record (never overwrites one). */
  async appendAudit(record: AuditRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `GRANT#${record.grantId}`, sk: `AUDIT#${record.at}#${randomBytes(4).toString("hex")}`, type: "audit", ...record },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async auditTrail(grantId: string): Promise<AuditRecord[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :a)",
        ExpressionAttributeValues: { ":pk": `GRANT#${grantId}`, ":a": "AUDIT#" },
      }),
    );
    return (out.Items ?? []).map((i) => ({ grantId: i.grantId as string, action: i.action as AuditAction, actor: i.actor as string, at: i.at as string, ...(i.detail ? { detail: i.detail as Record<string, unknown> } : {}) }));
  }
}

/** The CreateTable input the stack mirrors (tests create the table on dynalite with it). */
export function tableDefinition(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" as const },
      { AttributeName: "sk", AttributeType: "S" as const },
      { AttributeName: "requester", AttributeType: "S" as const },
      { AttributeName: "createdAt", AttributeType: "S" as const },
      { AttributeName: "status", AttributeType: "S" as const },
      { AttributeName: "end", AttributeType: "S" as const },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" as const },
      { AttributeName: "sk", KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: INDEXES.byRequester.name,
        KeySchema: [
          { AttributeName: "requester", KeyType: "HASH" as const },
          { AttributeName: "createdAt", KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      },
      {
        IndexName: INDEXES.byStatusEnd.name,
        KeySchema: [
          { AttributeName: "status", KeyType: "HASH" as const },
          { AttributeName: "end", KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      },
    ],
  };
}

