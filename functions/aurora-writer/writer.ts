/**
 * The writer's core: a one-connection `pg` pool whose password is a fresh IAM token for every new
 * connection, and one transaction per event, so a bad row writes nothing. Dependencies (the pool,
 * the signer, the logger) are injected; handler.ts wires the real ones.
 */
import type { ConnectionOptions } from "node:tls";
import { Pool, type PoolClient } from "pg";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import {
  AURORA_WRITER_METRICS,
  WRITER_ERROR_CODES,
  writeEventSchema,
  type AuroraWriterEnv,
  type WriteResult,
  type WriterErrorCode,
} from "../shared/contracts/aurora-writer";
import { MetricUnit } from "../shared/platform/metrics";
import { buildStatements } from "./statements";
import { iamTokenSigner, TokenSigningError, type MakeTokenSigner, type TokenSigner } from "./token";

export type WriterLogger = Pick<Logger, "warn" | "error">;

export interface WriterPoolOptions {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Called for every new physical connection: IAM tokens are valid 15 minutes, for opening only. */
  readonly password: TokenSigner;
  readonly queryTimeoutMs: number;
  /**
   * @default `{ rejectUnauthorized: true }`: RDS Proxy presents an Amazon Trust Services certificate,
   * which Node's default trust store verifies; no custom CA. Tests pass their own CA here.
   */
  readonly ssl?: ConnectionOptions;
}

/** What the handler builds from its environment: the proxy endpoint and port are both dialled and signed for. */
export function writerPoolOptions(env: AuroraWriterEnv, makeSigner: MakeTokenSigner = iamTokenSigner): WriterPoolOptions {
  return {
    host: env.DB_PROXY_ENDPOINT,
    port: env.DB_PORT,
    database: env.DB_NAME,
    user: env.DB_USER,
    password: makeSigner({ hostname: env.DB_PROXY_ENDPOINT, port: env.DB_PORT, username: env.DB_USER, region: env.AWS_REGION }),
    queryTimeoutMs: env.DB_QUERY_TIMEOUT_MS,
  };
}

/**
 * One connection per container (Lambda runs one event at a time; RDS Proxy does the real pooling).
 * Idle connections close after 10 minutes, before the proxy's 30-minute idle_client_timeout.
 */
export function createWriterPool(options: WriterPoolOptions, logger?: WriterLogger, metrics?: Metrics): Pool {
  const pool = new Pool({
    host: options.host,
    port: options.port,
    database: options.database,
    user: options.user,
    password: options.password,
    ssl: options.ssl ?? { rejectUnauthorized: true },
    max: 1,
    idleTimeoutMillis: 10 * 60_000,
    connectionTimeoutMillis: 5_000,
    query_timeout: options.queryTimeoutMs,
    application_name: "aurora-writer",
  });
  // An idle connection the proxy or the database closes must not crash the runtime: the pool drops
  // it and the next event opens a new one, with a new token.
  pool.on("error", (error) => logger?.warn("Idle database connection closed; the next event reconnects", { error: error.message }));
  pool.on("connect", () => metrics?.addMetric(AURORA_WRITER_METRICS.connectionsOpened, MetricUnit.Count, 1));
  return pool;
}

class WriteFailure extends Error {
  constructor(
    readonly code: WriterErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const CONNECTION_MESSAGES = /Connection terminated|ECONNRESET|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|socket hang up|Client has encountered a connection error/i;

/** A connection-level failure: the connection is unusable, and nothing of this event was written. */
function isConnectionError(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: string; message?: string };
  return (typeof e.code === "string" && /^(08|57P0)/.test(e.code)) || CONNECTION_MESSAGES.test(e.message ?? "");
}

/** Maps what pg, the proxy and the signer throw to the contract's error codes, with a sentence for the caller. */
export function classify(error: unknown): WriteFailure {
  if (error instanceof WriteFailure) return error;
  const e = (error && typeof error === "object" ? error : {}) as { code?: string; message?: string; constraint?: string };
  const message = e.message ?? String(error);
  if (error instanceof TokenSigningError) return new WriteFailure("AuthenticationFailed", `${message}. Check the function's role credentials.`);
  if (e.code === "28P01" || e.code === "28000") {
    return new WriteFailure("AuthenticationFailed", `The database refused lambda_writer's IAM token (${message}): the role needs rds-db:connect on the proxy's prx- resource for lambda_writer, and the token must be signed for the proxy endpoint.`);
  }
  if (/certificate|self[- ]signed|altnames|UNABLE_TO_VERIFY/i.test(message)) {
    return new WriteFailure("TlsVerificationFailed", `The database's TLS certificate did not verify (${message}): the writer trusts only Node's default CAs, which RDS Proxy's certificate chains to.`);
  }
  if (e.code === "42501") return new WriteFailure("PermissionDenied", `lambda_writer lacks a privilege this write needs (${message}): run the database bootstrap.`);
  if (e.code?.startsWith("23") || e.code === "22P02" || e.code === "22007" || e.code === "22003") {
    return new WriteFailure("ConstraintViolation", `The database refused a row (${message}${e.constraint ? `, constraint ${e.constraint}` : ""}); nothing of this event was written.`);
  }
  if (e.code === "57014" || e.code === "55P03" || /timeout/i.test(message)) return new WriteFailure("Timeout", `The write timed out (${message}); nothing of this event was written, retry it.`);
  if (isConnectionError(error)) return new WriteFailure("DatabaseUnavailable", `The database connection failed (${message}); nothing of this event was written, retry it.`);
  return new WriteFailure("InternalError", "The write failed unexpectedly; nothing of this event was written. The function's log has the details.");
}

/**
 * Takes the pool's connection and opens the transaction. A connection that died while idle fails
 * here, before anything is sent for this event: it is destroyed and one new connection (with a new
 * token) is tried.
 */
async function beginTransaction(pool: Pool, logger?: WriterLogger): Promise<PoolClient> {
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      return client;
    } catch (error) {
      client.release(error as Error);
      if (attempt > 1 || !isConnectionError(error)) throw error;
      logger?.warn("Database connection was dead; reconnecting once", { error: (error as Error).message });
    }
  }
}

export interface WriterDeps {
  readonly pool: Pool;
  readonly logger?: WriterLogger;
  readonly metrics?: Metrics;
}

/** The writer: validate, then one transaction for the whole event. Never throws; failures are answers. */
export function createWriter(deps: WriterDeps): (event: unknown) => Promise<WriteResult> {
  const { pool, logger, metrics } = deps;
  return async (event) => {
    const parsed = writeEventSchema.safeParse(event);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; ");
      return failure("InvalidEvent", `Invalid write event (${message}).`);
    }
    const { table, operation } = parsed.data;
    let client: PoolClient | undefined;
    try {
      client = await beginTransaction(pool, logger);
      const keys: Record<string, unknown>[] = [];
      let rowCount = 0;
      for (const statement of buildStatements(parsed.data)) {
        const result = await client.query(statement.text, statement.values);
        rowCount += result.rowCount ?? 0;
        keys.push(...result.rows);
      }
      await client.query("COMMIT").catch((error: unknown) => {
        if (!isConnectionError(error)) throw error;
        // The server may have committed before the connection broke: say so, never "nothing written".
        throw Object.assign(new WriteFailure("DatabaseUnavailable", `The connection failed during COMMIT (${(error as Error).message}): the event may or may not have been written. Retrying is safe for upsert, update and delete; a retried insert fails as a duplicate if the first one landed.`), { cause: error });
      });
      client.release();
      metrics?.addMetric(AURORA_WRITER_METRICS.rowsWritten, MetricUnit.Count, rowCount);
      return { ok: true, table, operation, rowCount, keys };
    } catch (error) {
      const classified = classify(error);
      if (client) {
        // After a failed statement the transaction is aborted; a connection error makes the client
        // unusable. Whatever happens here, the client goes back to the pool (or is destroyed).
        let dead = true;
        try {
          dead = isConnectionError(error) || isConnectionError((error as { cause?: unknown })?.cause) || (await client.query("ROLLBACK").then(() => false, () => true));
        } finally {
          client.release(dead ? new Error("connection discarded after a failed write") : undefined);
        }
      }
      logger?.error("Write failed", { table, operation, code: classified.code, error: (error as Error)?.message, sqlState: (error as { code?: string })?.code });
      return failure(classified.code, classified.message);
    }
  };

  function failure(code: WriterErrorCode, message: string): WriteResult {
    metrics?.addMetric(AURORA_WRITER_METRICS.writeFailed, MetricUnit.Count, 1);
    return { ok: false, error: { code, message, retryable: WRITER_ERROR_CODES[code].retryable } };
  }
}
