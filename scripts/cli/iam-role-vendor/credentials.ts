/**
 * Credentials of the `iam-role-vendor` CLI:
 * - one MFA session (GetSessionToken with the user's MFA, up to 36 hours), cached, used to sign API
 *   calls (the API's resource policy requires MFA) and to assume vended roles (not role chaining,
 *   so sessions of up to 12 hours);
 * - per-grant role credentials, cached and re-vended only near expiry, so `credential_process`
 *   (run by the AWS CLI for every command) neither prompts nor burns the API's rate limit.
 * Cache files live in a directory only the user can enter and are written 0600; a cache file that
 * others can read is ignored.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { Grant } from "../../../functions/shared/contracts/role-vending-api";

export interface Credentials {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken?: string;
  /** ISO-8601. */
  readonly Expiration?: string;
}

export const toIdentity = (c: Credentials): AwsCredentialIdentity => ({
  accessKeyId: c.AccessKeyId,
  secretAccessKey: c.SecretAccessKey,
  ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
  ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
});

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  return env.IAM_ROLE_VENDOR_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "iam-role-vendor");
}

/** A JSON file cache readable by the user alone. */
export class PrivateCache {
  constructor(readonly dir: string) {}

  private ensureDir(): void {
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
  }

  read<T>(name: string): T | undefined {
    const file = join(this.dir, name);
    if (!existsSync(file)) return undefined;
    // Group or others can read it: someone may have copied it; do not trust it.
    if ((statSync(file).mode & 0o077) !== 0) return undefined;
    try {
      return JSON.parse(readFileSync(file, "utf8")) as T;
    } catch {
      return undefined;
    }
  }

  remove(name: string): void {
    rmSync(join(this.dir, name), { force: true });
  }

  write(name: string, value: unknown): string {
    this.ensureDir();
    const file = join(this.dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
    return file;
  }
}

export interface MfaOptions {
  readonly mfaSerial?: string;
  readonly mfaCode?: string;
  /** Asks for the code when none was given (interactive terminals only). */
  readonly prompt?: (question: string) => Promise<string>;
}

export interface SessionDeps {
  readonly sts: (credentials: AwsCredentialIdentity) => STSClient;
  /** The user's own credentials (SDK default chain). */
  readonly baseCredentials: () => Promise<AwsCredentialIdentity>;
  readonly cache: PrivateCache;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Status lines while waiting (a spinner on a TTY). */
  readonly progress: (message: string) => void;
}

const MFA_SESSION_SECONDS = 36 * 3600;
const REFRESH_MARGIN_MS = 5 * 60_000;

interface CachedSession {
  readonly credentials: Credentials;
  /** True when the base credentials were already a role session: vended sessions are then capped at 1 hour (role chaining). */
  readonly chained: boolean;
}

/**
 * The MFA session: cached while more than 5 minutes remain; otherwise GetSessionToken with the MFA
 * code (asked for when not given). Base credentials that are already temporary (a role session,
 * SSO) are used as they are: STS refuses GetSessionToken for them.
 */
export async function mfaSession(deps: SessionDeps, options: MfaOptions): Promise<CachedSession> {
  const base = await deps.baseCredentials();
  const cacheName = `mfa-session-${createHash("sha256").update(base.accessKeyId).digest("hex").slice(0, 16)}.json`;
  const cached = deps.cache.read<CachedSession>(cacheName);
  if (cached?.credentials.Expiration && Date.parse(cached.credentials.Expiration) - deps.now().getTime() > REFRESH_MARGIN_MS) return cached;
  if (base.sessionToken) {
    return { credentials: { AccessKeyId: base.accessKeyId, SecretAccessKey: base.secretAccessKey, SessionToken: base.sessionToken, ...(base.expiration ? { Expiration: base.expiration.toISOString() } : {}) }, chained: true };
  }
  const sts = deps.sts(base);
  const serial = options.mfaSerial ?? (await mfaSerialOf(sts));
  let code = options.mfaCode;
  if (!code) {
    if (!options.prompt) throw new CliError(`An MFA code is needed to start a session for ${serial}: give --mfa-code, or run this command in a terminal to be asked.`, 2);
    code = (await options.prompt(`MFA code for ${serial}: `)).trim();
  }
  if (!/^\d{6}$/.test(code)) throw new CliError("The MFA code must be 6 digits.", 2);
  let out;
  try {
    out = await sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code, DurationSeconds: MFA_SESSION_SECONDS }));
  } catch (error) {
    throw new CliError(`STS refused the MFA session (${(error as Error).name}: ${(error as Error).message}); check the MFA device ARN and code.`, 3);
  }
  const c = out.Credentials!;
  const session: CachedSession = {
    credentials: { AccessKeyId: c.AccessKeyId!, SecretAccessKey: c.SecretAccessKey!, SessionToken: c.SessionToken!, Expiration: new Date(c.Expiration!).toISOString() },
    chained: false,
  };
  deps.cache.write(cacheName, session);
  return session;
}

/** The virtual MFA device of the calling IAM user, by AWS's naming convention (`arn:aws:iam::<account>:mfa/<user>`). */
async function mfaSerialOf(sts: STSClient): Promise<string> {
  const me = await sts.send(new GetCallerIdentityCommand({}));
  const m = /^arn:(aws[a-z-]*):iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(me.Arn ?? "");
  if (!m) throw new CliError(`Cannot derive an MFA device for ${me.Arn}; give --mfa-serial.`, 2);
  return `arn:${m[1]}:iam::${m[2]}:mfa/${m[3]}`;
}

/** The session length to ask for: what the grant has left, within the role's MaxSessionDuration, at least STS's 15 minutes; 1 hour when chained. */
export function sessionSeconds(grant: Grant, now: Date, chained: boolean): number {
  const left = Math.floor((Date.parse(grant.end) - now.getTime()) / 1000);
  const cap = chained ? 3600 : (grant.maxSessionSeconds ?? 3600);
  return Math.max(900, Math.min(cap, left));
}

export interface AssumeOptions {
  /** How long to keep retrying while IAM propagates the new role. @default 60000 */
  readonly propagationTimeoutMs?: number;
}

/**
 * Assumes the grant's role with the MFA session, as the requester (source identity) with the
 * grant's external id. A role created seconds ago may not be assumable yet (IAM is eventually
 * consistent, and STS answers AccessDenied meanwhile): retried with exponential backoff and jitter
 * for up to a minute, saying what it waits for. The SDK's own retries do not cover this (it does
 * not retry AccessDenied), so this loop is not stacked on them.
 */
export async function assumeGrantRole(deps: SessionDeps, session: CachedSession, grant: Grant, options: AssumeOptions = {}): Promise<Credentials> {
  if (!grant.roleArn) throw new CliError(`Grant ${grant.id} has no role yet (status ${grant.status}).`, 1);
  const sts = deps.sts(toIdentity(session.credentials));
  const deadline = deps.now().getTime() + (options.propagationTimeoutMs ?? 60_000);
  let attempt = 0;
  for (;;) {
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: grant.roleArn,
          RoleSessionName: `${grant.sourceIdentity}-${grant.id}`.slice(0, 64),
          ExternalId: grant.externalId,
          SourceIdentity: grant.sourceIdentity,
          DurationSeconds: sessionSeconds(grant, deps.now(), session.chained),
        }),
      );
      const c = out.Credentials!;
      return { AccessKeyId: c.AccessKeyId!, SecretAccessKey: c.SecretAccessKey!, SessionToken: c.SessionToken!, Expiration: new Date(c.Expiration!).toISOString() };
    } catch (error) {
      const name = (error as Error).name;
      if (name !== "AccessDenied" && name !== "AccessDeniedException") throw new CliError(`STS refused to assume ${grant.roleArn}: ${(error as Error).message}`, 1);
      const wait = Math.min(8000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      if (deps.now().getTime() + wait > deadline) {
        throw new CliError(
          `The role ${grant.roleArn} is still not assumable after ${Math.round((options.propagationTimeoutMs ?? 60_000) / 1000)} s (${(error as Error).message}). ` +
            "If you are outside the grant's networks or window this will not change; otherwise try again in a minute.",
          1,
        );
      }
      attempt += 1;
      deps.progress(`Waiting for IAM to make the new role assumable (attempt ${attempt}: ${name})`);
      await deps.sleep(wait);
    }
  }
}

interface CachedGrantCredentials {
  readonly grantId: string;
  readonly end: string;
  readonly credentials: Credentials;
}

export const grantCacheName = (grantId: string) => `grant-${grantId}.json`;

/**
 * credential_process: cached credentials while more than 5 minutes remain; otherwise re-check the
 * grant (revoked or ended → a clear error) and assume again. A 36-hour grant is served by several
 * sessions of at most 12 hours (1 hour when chained), each vended only near the previous one's end.
 */
export async function grantCredentials(
  deps: SessionDeps,
  grantId: string,
  fetchGrant: () => Promise<Grant>,
  mfa: MfaOptions,
  options: AssumeOptions & { force?: boolean } = {},
): Promise<{ credentials: Credentials; vended: boolean }> {
  const now = deps.now().getTime();
  const cached = deps.cache.read<CachedGrantCredentials>(grantCacheName(grantId));
  if (!options.force && cached && now < Date.parse(cached.end) && Date.parse(cached.credentials.Expiration ?? "") - now > REFRESH_MARGIN_MS) {
    return { credentials: cached.credentials, vended: false };
  }
  const session = await mfaSession(deps, mfa);
  const grant = await fetchGrant();
  if (grant.status !== "ACTIVE") throw new CliError(`Grant ${grant.id} is ${grant.status}; it gives no credentials. Request a new one with iam-role-vendor request-role.`, 3);
  if (Date.parse(grant.end) <= now) throw new CliError(`Grant ${grant.id} ended at ${grant.end}.`, 3);
  const credentials = await assumeGrantRole(deps, session, grant, options);
  deps.cache.write(grantCacheName(grantId), { grantId, end: grant.end, credentials } satisfies CachedGrantCredentials);
  return { credentials, vended: true };
}

export function defaultSts(region: string): (credentials: AwsCredentialIdentity) => STSClient {
  return (credentials) => new STSClient({ region, credentials, maxAttempts: 3, retryMode: "standard" });
}
