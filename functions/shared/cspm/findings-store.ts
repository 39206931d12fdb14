/**
 * MongoDB store of findings and audit runs, through the official driver.
 *
 * - The connection string is read from Secrets Manager by ARN once per container (the secret is
 *   either the URI itself or JSON with `uri` / `connectionString`).
 * - One MongoClient per container, created lazily, with a short server selection timeout so an
 *   unreachable server fails the store quickly instead of eating the Lambda's time.
 * - `findings`: one document per finding Id (`_id`), upserted in bulk, with a bounded status history.
 * - `audit_runs`: one document per run.
 * - `pipeline_state`: one document per pipeline kind (recent run windows, `reconciledAt`,
 *   `dirtySince`), so a run can tell whether MongoDB's "last sent" fingerprints can be trusted.
 * - Findings about to be sent again are marked pending first (`markPending`), and "unchanged"
 *   touches are conditional on the fingerprint read, so neither a lost write nor a concurrent run
 *   leaves MongoDB claiming Security Hub holds something it does not.
 * Every driver error surfaces as `FindingsStoreError`, so the pipeline can mark the run partial and
 * carry on with Security Hub.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import { MongoClient, type AnyBulkWriteOperation, type Collection, type Db, type MongoClientOptions } from "mongodb";
import type { ResourceType, Severity } from "./check";
import type { FindingComplianceStatus, PriorFinding } from "./asff";
import { ConfigurationError, PlatformError, awsErrorCode } from "../platform/errors";

export const FINDINGS_COLLECTION = "findings";
export const AUDIT_RUNS_COLLECTION = "audit_runs";
/** One small document per pipeline kind: what the next run needs to know whether MongoDB can be trusted. */
export const PIPELINE_STATE_COLLECTION = "pipeline_state";
/** Stored as a finding's fingerprint between "about to send it" and "Security Hub accepted it": never equal to a real one. */
export const PENDING_FINGERPRINT = "pending";
/** Recorded run windows kept in the state document (to spot runs that overlapped). */
export const RECENT_RUNS_LIMIT = 20;
/** Status history entries kept per finding. */
export const HISTORY_LIMIT = 50;
/** Ids per `$in` query, to keep each command small. */
const QUERY_CHUNK = 1000;

/** MongoDB could not be reached or refused an operation. */
export class FindingsStoreError extends PlatformError {
  constructor(
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("FindingsStoreUnavailable", message, options);
  }
}

export interface HistoryEntry {
  readonly at: string;
  readonly status: FindingComplianceStatus;
  readonly severity: Severity;
  readonly recordState: "ACTIVE" | "ARCHIVED";
  readonly runId: string;
}

/** What the pipeline writes for each finding it sent (or chose not to re-send) this run. */
export interface FindingWrite {
  readonly id: string;
  readonly resourceId: string;
  readonly resourceType: ResourceType;
  readonly resourceRegion: string;
  readonly checkId: string;
  readonly status: FindingComplianceStatus;
  readonly severity: Severity;
  readonly recordState: "ACTIVE" | "ARCHIVED";
  readonly createdAt: string;
  readonly firstObservedAt: string;
  /** The last UpdatedAt Security Hub accepted. */
  readonly updatedAt: string;
  readonly lastObservedAt: string;
  readonly lastSentAt?: string;
  readonly fingerprint: string;
  readonly finding: AwsSecurityFinding;
  /** Push a history entry (first sighting, status or record state changed). */
  readonly statusChanged: boolean;
  readonly runId: string;
  /** Workflow set to RESOLVED by this run. */
  readonly resolvedAt?: string;
  /** Passed after failing, but RESOLVED could not be set yet: the next run tries again. */
  readonly resolvePending?: boolean;
  /**
   * Not sent (unchanged): only move `lastObservedAt` / `runId`, and only if the stored fingerprint is
   * still this one, so a run never puts back an older record over what a concurrent run just sent.
   */
  readonly ifFingerprint?: string;
}

export interface FindingDocument extends Omit<FindingWrite, "id" | "statusChanged" | "ifFingerprint"> {
  readonly _id: string;
  readonly history: HistoryEntry[];
}

export interface AuditRunDocument {
  readonly _id: string;
  readonly kind: string;
  readonly trigger: string;
  readonly scope: { readonly buckets?: readonly string[]; readonly regions?: readonly string[] };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly status: "complete" | "degraded" | "partial";
  /** Keys whose audit was not fully readable. */
  readonly failedKeys?: readonly string[];
  readonly counts: Readonly<Record<string, number>>;
  readonly errors: readonly { readonly source: string; readonly code: string; readonly message: string }[];
  /** Why this run re-sent every finding in scope instead of trusting MongoDB's fingerprints. */
  readonly resendAll?: string;
}

/** When a recorded run ran (its whole span: audit, Security Hub, MongoDB). */
export interface RunWindow {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** `pipeline_state` document (`_id` = pipeline kind, e.g. "s3"). */
export interface PipelineState {
  /**
   * Read time of the last run that re-sent every finding of a complete full scan: Security Hub
   * holds nothing older that MongoDB does not know about.
   */
  readonly reconciledAt?: string;
  /** Set by a run that found MongoDB untrusted but could not reconcile (e.g. a bucket-scoped run). */
  readonly dirtySince?: string;
  /** The last recorded runs, oldest first. */
  readonly recentRuns: readonly RunWindow[];
}

export type PriorRecord = PriorFinding & { readonly resourceId: string; readonly checkId: string; readonly resourceRegion: string };

export interface MongoSettings {
  readonly secretArn: string;
  readonly secrets: Pick<SecretsManagerClient, "send">;
  /** @default "cspm" */
  readonly database?: string;
  readonly clientOptions?: MongoClientOptions;
}

/** Driver options for a Lambda: fail fast when the server is unreachable, few connections. */
export const LAMBDA_CLIENT_OPTIONS: MongoClientOptions = {
  serverSelectionTimeoutMS: 3000,
  connectTimeoutMS: 3000,
  socketTimeoutMS: 20_000,
  maxPoolSize: 4,
  appName: "cspm-s3-auditor",
};

/** Reads the connection string from a secret: the URI itself or JSON `{ "uri": ... }`. */
export async function readConnectionString(secrets: Pick<SecretsManagerClient, "send">, secretArn: string): Promise<string> {
  let text: string | undefined;
  try {
    text = (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
  } catch (error) {
    throw new FindingsStoreError("readSecret", `Cannot read the MongoDB secret ${secretArn} (${awsErrorCode(error)}); check the role's secretsmanager:GetSecretValue and kms:Decrypt.`, { cause: error });
  }
  const value = text?.trim() ?? "";
  if (value.startsWith("{")) {
    const parsed = JSON.parse(value) as { uri?: unknown; connectionString?: unknown };
    const uri = parsed.uri ?? parsed.connectionString;
    if (typeof uri === "string" && uri.startsWith("mongodb")) return uri;
  } else if (value.startsWith("mongodb")) {
    return value;
  }
  throw new ConfigurationError(`The secret ${secretArn} holds no MongoDB connection string: store the URI, or JSON with "uri".`);
}

/**
 * One client per container: the first call reads the secret and creates the client, later calls
 * reuse it. A failed creation is forgotten so the next invocation tries again.
 */
export function containerClient(settings: MongoSettings): () => Promise<MongoClient> {
  let client: Promise<MongoClient> | undefined;
  return () => {
    client ??= (async () => {
      const uri = await readConnectionString(settings.secrets, settings.secretArn);
      return new MongoClient(uri, { ...LAMBDA_CLIENT_OPTIONS, ...settings.clientOptions });
    })().catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
}

function toPrior(doc: FindingDocument): PriorRecord {
  return {
    id: doc._id,
    resourceId: doc.resourceId,
    resourceRegion: doc.resourceRegion,
    checkId: doc.checkId,
    createdAt: doc.createdAt,
    firstObservedAt: doc.firstObservedAt,
    updatedAt: doc.updatedAt,
    status: doc.status,
    recordState: doc.recordState,
    lastSentAt: doc.lastSentAt,
    fingerprint: doc.fingerprint,
    resolvePending: doc.resolvePending,
    finding: doc.finding,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const PRIOR_PROJECTION = { history: 0 } as const;
/** For sweeps over many findings: without the stored finding (fetch it by Id for those archived). */
const LIGHT_PROJECTION = { history: 0, finding: 0 } as const;

export class FindingsStore {
  private indexesReady = false;

  constructor(
    private readonly client: () => Promise<MongoClient>,
    private readonly database = "cspm",
  ) {}

  private async db(): Promise<Db> {
    return (await this.client()).db(this.database);
  }

  private async findings(): Promise<Collection<FindingDocument>> {
    return (await this.db()).collection<FindingDocument>(FINDINGS_COLLECTION);
  }

  private async guard<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      throw new FindingsStoreError(operation, `MongoDB ${operation} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Creates the indexes once per container; createIndexes is idempotent for the same specs. */
  async ensureIndexes(): Promise<void> {
    if (this.indexesReady) return;
    await this.guard("createIndexes", async () => {
      const db = await this.db();
      await db.collection(FINDINGS_COLLECTION).createIndexes([
        { key: { resourceId: 1 }, name: "resourceId_1" },
        { key: { resourceType: 1, resourceRegion: 1, recordState: 1 }, name: "resourceType_1_resourceRegion_1_recordState_1" },
        { key: { lastSentAt: 1 }, name: "lastSentAt_1" },
      ]);
      await db.collection(AUDIT_RUNS_COLLECTION).createIndexes([{ key: { startedAt: -1 }, name: "startedAt_-1" }]);
    });
    this.indexesReady = true;
  }

  /** Prior state of the given finding Ids; Ids never seen are absent from the map. */
  async priorByIds(ids: readonly string[]): Promise<Map<string, PriorRecord>> {
    return this.guard("find", async () => {
      const coll = await this.findings();
      const out = new Map<string, PriorRecord>();
      for (const chunk of chunks([...new Set(ids)], QUERY_CHUNK)) {
        for (const doc of await coll.find({ _id: { $in: chunk } }, { projection: PRIOR_PROJECTION }).toArray()) out.set(doc._id, toPrior(doc as FindingDocument));
      }
      return out;
    });
  }

  /** Active findings of the given resources (e.g. a deleted bucket's), without the stored finding. */
  async activeByResources(resourceIds: readonly string[]): Promise<PriorRecord[]> {
    return this.guard("find", async () => {
      const coll = await this.findings();
      const out: PriorRecord[] = [];
      for (const chunk of chunks([...new Set(resourceIds)], QUERY_CHUNK)) {
        const docs = await coll.find({ resourceId: { $in: chunk }, recordState: "ACTIVE" }, { projection: LIGHT_PROJECTION }).toArray();
        out.push(...docs.map((d) => toPrior(d as FindingDocument)));
      }
      return out;
    });
  }

  /**
   * Active findings of one resource type in some regions, except those of `exceptResourceIds`
   * (the resources just audited): what a full-region scan may archive. Without the stored finding.
   */
  async activeInRegions(resourceType: ResourceType, regions: readonly string[], exceptResourceIds: readonly string[] = []): Promise<PriorRecord[]> {
    return this.guard("find", async () => {
      const coll = await this.findings();
      const filter = { resourceType, resourceRegion: { $in: [...regions] }, recordState: "ACTIVE" as const, ...(exceptResourceIds.length ? { resourceId: { $nin: [...exceptResourceIds] } } : {}) };
      const docs = await coll.find(filter, { projection: LIGHT_PROJECTION }).toArray();
      return docs.map((d) => toPrior(d as FindingDocument));
    });
  }

  /** Bulk upsert keyed by finding Id; CreatedAt/FirstObservedAt are only ever set on insert. */
  async upsertFindings(writes: readonly FindingWrite[]): Promise<{ upserted: number; modified: number }> {
    if (writes.length === 0) return { upserted: 0, modified: 0 };
    return this.guard("bulkWrite", async () => {
      const coll = await this.findings();
      let upserted = 0;
      let modified = 0;
      for (const chunk of chunks(writes, QUERY_CHUNK)) {
        const operations: AnyBulkWriteOperation<FindingDocument>[] = chunk.map((w) => {
          if (w.ifFingerprint !== undefined) {
            // Unchanged, not sent: a conditional touch, never an upsert.
            return { updateOne: { filter: { _id: w.id, fingerprint: w.ifFingerprint }, update: { $set: { lastObservedAt: w.lastObservedAt, runId: w.runId } } } } as AnyBulkWriteOperation<FindingDocument>;
          }
          const { id, statusChanged, createdAt, firstObservedAt, ifFingerprint: _if, ...fields } = w;
          const set: Record<string, unknown> = { ...fields };
          for (const k of Object.keys(set)) if (set[k] === undefined) delete set[k];
          const update: Record<string, unknown> = { $set: set, $setOnInsert: { createdAt, firstObservedAt } };
          if (statusChanged) {
            const entry: HistoryEntry = { at: w.lastObservedAt, status: w.status, severity: w.severity, recordState: w.recordState, runId: w.runId };
            update.$push = { history: { $each: [entry], $slice: -HISTORY_LIMIT } };
          }
          return { updateOne: { filter: { _id: id }, update, upsert: true } } as AnyBulkWriteOperation<FindingDocument>;
        });
        const result = await coll.bulkWrite(operations, { ordered: false });
        upserted += result.upsertedCount;
        modified += result.modifiedCount;
      }
      return { upserted, modified };
    });
  }

  /**
   * Marks findings about to be sent again as pending (their fingerprint is replaced until the run
   * records what Security Hub accepted). If the run dies or MongoDB goes away between the import and
   * that write, the next run does not take them for unchanged. One round trip per 1000 Ids.
   */
  async markPending(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.guard("markPending", async () => {
      const coll = await this.findings();
      for (const chunk of chunks([...new Set(ids)], QUERY_CHUNK)) await coll.updateMany({ _id: { $in: chunk } }, { $set: { fingerprint: PENDING_FINGERPRINT } });
    });
  }

  /**
   * Whether any run was recorded (false on a fresh deployment) and the pipeline's state document,
   * read together (one round trip of latency).
   */
  async runHistory(kind = "s3"): Promise<{ hasRecordedRuns: boolean; state: PipelineState }> {
    return this.guard("find", async () => {
      const db = await this.db();
      const [runs, states] = await Promise.all([
        db.collection(AUDIT_RUNS_COLLECTION).find({}, { projection: { _id: 1 }, limit: 1 }).toArray(),
        db.collection<{ _id: string } & PipelineState>(PIPELINE_STATE_COLLECTION).find({ _id: kind }, { limit: 1 }).toArray(),
      ]);
      const doc = states[0];
      return {
        hasRecordedRuns: runs.length > 0,
        state: {
          ...(typeof doc?.reconciledAt === "string" ? { reconciledAt: doc.reconciledAt } : {}),
          ...(typeof doc?.dirtySince === "string" ? { dirtySince: doc.dirtySince } : {}),
          recentRuns: Array.isArray(doc?.recentRuns) ? doc.recentRuns : [],
        },
      };
    });
  }

  /** Appends a recorded run's window to the state document (bounded), and sets `reconciledAt` / `dirtySince`. */
  async noteRun(window: RunWindow, set: { readonly reconciledAt?: string; readonly dirtySince?: string } = {}, kind = "s3"): Promise<void> {
    await this.guard("noteRun", async () => {
      const fields: Record<string, string> = {};
      if (set.reconciledAt) fields.reconciledAt = set.reconciledAt;
      if (set.dirtySince) fields.dirtySince = set.dirtySince;
      const update: Record<string, unknown> = { $push: { recentRuns: { $each: [{ ...window }], $slice: -RECENT_RUNS_LIMIT } } };
      if (Object.keys(fields).length) update.$set = fields;
      await (await this.db()).collection<{ _id: string }>(PIPELINE_STATE_COLLECTION).updateOne({ _id: kind }, update, { upsert: true });
    });
  }

  async recordRun(run: AuditRunDocument): Promise<void> {
    await this.guard("recordRun", async () => {
      const { _id, ...fields } = run;
      await (await this.db()).collection<AuditRunDocument>(AUDIT_RUNS_COLLECTION).updateOne({ _id }, { $set: fields }, { upsert: true });
    });
  }
}
