/**
 * Database credentials for functions and scripts, from Secrets Manager: cached with a TTL, one
 * fetch shared by concurrent callers (single flight), validated against the secret contract, and
 * refreshed once when the database rejects them, in which case AWSPENDING is tried too (during a
 * single-user rotation only the pending password works between setSecret and finishSecret).
 *
 * Not Powertools Parameters: its cache key is the name plus transform and ignores the version
 * stage, so reading AWSPENDING would overwrite the cached AWSCURRENT value; it has no single flight
 * (concurrent cold callers each fetch), and it wraps SDK errors in GetParameterError, losing the
 * ResourceNotFoundException we need to tell "no pending version" from a failure.
 */
import { defaultSecretName, parseDatabaseSecret, type DatabaseSecret, type Engine } from "../contracts/database-secret";
import { STAGE } from "../contracts/secret-rotation";
import { AuthenticationFailedError, type DatabaseEngine } from "./engines/engine";
import type { SecretStore } from "./secrets-manager";

export type Stage = typeof STAGE.current | typeof STAGE.pending;

export interface CredentialManagerOptions {
  readonly secrets: Pick<SecretStore, "getValue">;
  /** How long a fetched secret is served from the cache. @default 300000 (5 minutes) */
  readonly ttlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default avesa/<engine>/<env> */
  readonly secretName?: (engine: Engine, environment: string) => string;
}

export class CredentialsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CredentialsError";
  }
}

interface Entry {
  readonly value: DatabaseSecret | undefined;
  readonly expires: number;
}

export interface ValidationReport {
  readonly secretName: string;
  readonly engine: Engine;
  readonly host: string;
  readonly username: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Whether an error means the database rejected the credentials. */
export type AuthFailureTest = (error: unknown) => boolean;

export class CredentialManager {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<DatabaseSecret | undefined>>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly nameOf: (engine: Engine, environment: string) => string;
  /** Secret fetches made (cache misses), for tests and the bench. */
  fetches = 0;

  constructor(private readonly options: CredentialManagerOptions) {
    this.ttlMs = options.ttlMs ?? 300_000;
    this.now = options.now ?? Date.now;
    this.nameOf = options.secretName ?? defaultSecretName;
  }

  secretName(engine: Engine, environment: string): string {
    return this.nameOf(engine, environment);
  }

  /** The AWSCURRENT credentials; a clear error naming the secret when it is missing or malformed. */
  async getCredentials(engine: Engine, environment: string): Promise<DatabaseSecret> {
    const name = this.nameOf(engine, environment);
    const secret = await this.read(name, STAGE.current, false);
    if (!secret) throw new CredentialsError(`Secret ${name} has no current value: store it with setup-credentials --engine ${engine} --environment ${environment}.`);
    if (secret.engine !== engine) throw new CredentialsError(`Secret ${name} holds ${secret.engine} credentials, not ${engine}.`);
    return secret;
  }

  /** Forgets the cached values of one secret (both stages). */
  invalidate(engine: Engine, environment: string): void {
    const name = this.nameOf(engine, environment);
    this.cache.delete(`${name}|${STAGE.current}`);
    this.cache.delete(`${name}|${STAGE.pending}`);
  }

  /**
   * Runs `operation` with the current credentials. When the database rejects them, refreshes: a newer
   * AWSCURRENT if the secret changed, otherwise AWSPENDING if a rotation is under way. Rotations can
   * finish (or the next one start) between those two reads, so the pair is read at most twice, and
   * each distinct password is tried once.
   */
  async withCredentials<T>(engine: Engine, environment: string, operation: (credentials: DatabaseSecret) => Promise<T>, isAuthFailure: AuthFailureTest): Promise<T> {
    const name = this.nameOf(engine, environment);
    const first = await this.getCredentials(engine, environment);
    const tried = new Set([first.password]);
    let lastError: unknown;
    try {
      return await operation(first);
    } catch (error) {
      if (!isAuthFailure(error)) throw error;
      lastError = error;
    }
    for (let round = 0; round < 2; round += 1) {
      for (const stage of [STAGE.current, STAGE.pending] as const) {
        const candidate = await this.read(name, stage, true);
        if (!candidate || tried.has(candidate.password)) continue;
        tried.add(candidate.password);
        try {
          return await operation(candidate);
        } catch (error) {
          if (!isAuthFailure(error)) throw error;
          lastError = error;
        }
      }
    }
    throw new CredentialsError(`The database rejected the current credentials of ${name} (${first.username}@${first.host}) and no newer ones work; check rotation-status.`, { cause: lastError });
  }

  /** Logs in with the current credentials and reports; never throws for a rejected login. */
  async validate(engine: Engine, environment: string, database: DatabaseEngine): Promise<ValidationReport> {
    const name = this.nameOf(engine, environment);
    const secret = await this.getCredentials(engine, environment);
    const base = { secretName: name, engine, host: secret.host, username: secret.username };
    try {
      await database.test(secret);
      return { ...base, ok: true, detail: "logs in and holds the required privileges" };
    } catch (error) {
      const detail = error instanceof AuthenticationFailedError ? "the database rejects the stored password" : (error as Error).message;
      return { ...base, ok: false, detail };
    }
  }

  private async read(name: string, stage: Stage, force: boolean): Promise<DatabaseSecret | undefined> {
    const key = `${name}|${stage}`;
    const cached = this.cache.get(key);
    if (!force && cached && cached.expires > this.now()) return cached.value;
    const running = this.inFlight.get(key);
    if (running) return running;
    const fetch = (async () => {
      this.fetches += 1;
      let raw: string | undefined;
      try {
        raw = await this.options.secrets.getValue(name, { stage });
      } catch (error) {
        throw new CredentialsError(`Cannot read secret ${name} (${stage}): ${(error as Error).message}`, { cause: error });
      }
      const value = raw === undefined ? undefined : this.parse(raw, name);
      this.cache.set(key, { value, expires: this.now() + this.ttlMs });
      return value;
    })();
    this.inFlight.set(key, fetch);
    try {
      return await fetch;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private parse(raw: string, name: string): DatabaseSecret {
    try {
      return parseDatabaseSecret(raw, name);
    } catch (error) {
      throw new CredentialsError((error as Error).message);
    }
  }
}
