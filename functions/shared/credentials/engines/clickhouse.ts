/**
 * The ClickHouse engine over its HTTP(S) interface with the official `@clickhouse/client`.
 * Passwords are sent as SHA-256 hashes computed here (`IDENTIFIED WITH sha256_hash BY '<hex>'`), so
 * the clear password never reaches the server's query log. On 24.9+ a user holds several
 * authentication methods: setSecret first keeps only the current password (`IDENTIFIED WITH
 * sha256_hash BY` the hash of the password it logs in with, dropping the one of two rotations ago)
 * and then ADDs the new one, so the current and the new password both work until the next rotation. Older servers replace the password: a window
 * between setSecret and finishSecret in which only AWSPENDING works (the credential manager's
 * AWSPENDING fallback covers it).
 */
import { createHash } from "node:crypto";
import { createClient, ClickHouseError, ClickHouseLogLevel, type ClickHouseClient } from "@clickhouse/client";
import type { ClickhouseSecret } from "../../contracts/database-secret";
import { AuthenticationFailedError, redact, type DatabaseEngine } from "./engine";

/** REQUIRED_PASSWORD, UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED (HTTP 401/403). */
const AUTH_FAILURE_CODES = new Set(["192", "193", "194", "516"]);
/** Server-side conditions worth another attempt (the rest of the 5xx family: timeouts, overload, network). */
const RETRYABLE_CODES = new Set(["3", "159", "202", "209", "210", "241", "394", "999", "1000", "1001", "1002"]);

export interface ClickhouseEngineOptions {
  /** PEM CA to verify the server with (default: the system's trust store). */
  readonly ca?: string;
  /** @default 10000 */
  readonly requestTimeoutMs?: number;
  /** Attempts per statement on 5xx or network errors. @default 3 */
  readonly attempts?: number;
  /** Pause before attempt n (n ≥ 2). @default 200 ms × 2^(n-2) */
  readonly backoffMs?: (attempt: number) => number;
}

/** The first version with several authentication methods per user. */
export const DUAL_PASSWORD_VERSION = [24, 9] as const;

export function supportsDualPasswords(version: string): boolean {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > DUAL_PASSWORD_VERSION[0] || (major === DUAL_PASSWORD_VERSION[0] && minor >= DUAL_PASSWORD_VERSION[1]);
}

export function isClickhouseAuthFailure(error: unknown): boolean {
  return error instanceof ClickHouseError && AUTH_FAILURE_CODES.has(error.code);
}

function isRetryable(error: unknown): boolean {
  if (error instanceof ClickHouseError) return RETRYABLE_CODES.has(error.code);
  return !(error instanceof AuthenticationFailedError);
}

/** Backtick-quoted identifier with ClickHouse's escaping. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, "\\\\").replace(/`/g, "\\`")}\``;
}

function sha256Hex(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

function clientFor(secret: ClickhouseSecret, options: ClickhouseEngineOptions): ClickHouseClient {
  const scheme = secret.ssl ? "https" : "http";
  return createClient({
    url: `${scheme}://${secret.host}:${secret.port}`,
    username: secret.username,
    password: secret.password,
    database: secret.dbname,
    request_timeout: options.requestTimeoutMs ?? 10_000,
    keep_alive: { enabled: false },
    tls: secret.ssl && options.ca ? { ca_cert: Buffer.from(options.ca) } : undefined,
    application: "secret-rotation",
    // The client's own error log would repeat every failed statement; errors reach the caller instead.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

async function withRetries<T>(options: ClickhouseEngineOptions, secret: ClickhouseSecret, what: string, run: () => Promise<T>): Promise<T> {
  const attempts = options.attempts ?? 3;
  const backoff = options.backoffMs ?? ((n: number) => 200 * 2 ** (n - 2));
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, backoff(attempt)));
    try {
      return await run();
    } catch (error) {
      last = error;
      if (isClickhouseAuthFailure(error)) {
        throw new AuthenticationFailedError(`ClickHouse rejected the credentials of ${secret.username}@${secret.host}: ${redact((error as Error).message, secret.password)}`, { cause: error });
      }
      if (!isRetryable(error)) break;
    }
  }
  throw new Error(`ClickHouse ${what} failed on ${secret.host}:${secret.port} as ${secret.username}: ${redact((last as Error).message, secret.password)}`);
}

async function withClient<T>(secret: ClickhouseSecret, options: ClickhouseEngineOptions, use: (client: ClickHouseClient) => Promise<T>): Promise<T> {
  const client = clientFor(secret, options);
  try {
    return await use(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function scalar(client: ClickHouseClient, query: string): Promise<string> {
  const result = await client.query({ query, format: "JSONEachRow" });
  const rows = (await result.json()) as Record<string, unknown>[];
  return String(Object.values(rows[0] ?? {})[0] ?? "");
}

export function clickhouseEngine(options: ClickhouseEngineOptions = {}): DatabaseEngine<ClickhouseSecret> & { serverVersion(secret: ClickhouseSecret): Promise<string> } {
  return {
    async serverVersion(secret) {
      return withClient(secret, options, (c) => withRetries(options, secret, "SELECT version()", () => scalar(c, "SELECT version()")));
    },

    async canLogin(secret) {
      try {
        await withClient(secret, options, (c) => withRetries(options, secret, "login", () => scalar(c, "SELECT 1")));
        return true;
      } catch (error) {
        if (error instanceof AuthenticationFailedError) return false;
        throw error;
      }
    },

    async setPassword(admin, username, password) {
      const user = quoteIdentifier(username);
      const hash = sha256Hex(password);
      await withClient(admin, options, async (c) => {
        const version = await withRetries(options, admin, "SELECT version()", () => scalar(c, "SELECT version()"));
        // Dual passwords, changing one's own: keep exactly the password this session logs in with and
        // add the new one. (RESET AUTHENTICATION METHODS TO NEW would keep the newest method instead,
        // which after a rollback is not the current password: the next statement, authenticated
        // with the current password, would then be refused and clients on AWSCURRENT locked out.)
        const keep = admin.username === username ? `ALTER USER ${user} IDENTIFIED WITH sha256_hash BY '${sha256Hex(admin.password)}'` : `ALTER USER ${user} RESET AUTHENTICATION METHODS TO NEW`;
        const statements = supportsDualPasswords(version) ? [keep, `ALTER USER ${user} ADD IDENTIFIED WITH sha256_hash BY '${hash}'`] : [`ALTER USER ${user} IDENTIFIED WITH sha256_hash BY '${hash}'`];
        // POST (the client's `command`): ClickHouse treats GET as read-only.
        for (const query of statements) await withRetries(options, admin, "ALTER USER", () => c.command({ query }));
      });
    },

    async test(secret) {
      await withClient(secret, options, async (c) => {
        const user = await withRetries(options, secret, "SELECT currentUser()", () => scalar(c, "SELECT currentUser()"));
        if (user !== secret.username) throw new Error(`Logged in as ${user}, expected ${secret.username}.`);
        const missing: string[] = [];
        for (const required of secret.requiredPrivileges ?? []) {
          const [privilege, table] = required.split(":");
          const [db, name] = table.split(".");
          const granted = await withRetries(options, secret, "CHECK GRANT", () => scalar(c, `CHECK GRANT ${privilege} ON ${quoteIdentifier(db)}.${quoteIdentifier(name)}`));
          if (granted !== "1") missing.push(`${privilege} on ${table}`);
        }
        if (missing.length > 0) throw new Error(`${secret.username} lacks privileges the application needs: ${missing.join(", ")}.`);
      });
    },
  };
}
