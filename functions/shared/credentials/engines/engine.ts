/**
 * What rotation needs from a database, behind one interface: log in, set a password, test the
 * privileges. Engines never log, return or put a password in an error message.
 */
import type { DatabaseSecret } from "../../contracts/database-secret";

export interface SetPasswordOptions {
  /** Alternating users: create the target as a clone of this user (identical grants) when it does not exist. */
  readonly cloneOf?: string;
}

export interface TestOptions {
  /** Alternating users: the pending user's table privileges must equal this user's. */
  readonly sameGrantsAs?: string;
}

export interface DatabaseEngine<S extends DatabaseSecret = DatabaseSecret> {
  /** true when the credentials log in; false when the server rejects them; throws on anything else (network, TLS). */
  canLogin(secret: S): Promise<boolean>;
  /** Logged in as `admin`, gives `username` the password. */
  setPassword(admin: S, username: string, password: string, options?: SetPasswordOptions): Promise<void>;
  /** Logs in as `secret` and checks the privileges the application needs; throws a clear error otherwise. */
  test(secret: S, options?: TestOptions): Promise<void>;
}

/** The database rejected the credentials (as opposed to being unreachable). */
export class AuthenticationFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AuthenticationFailedError";
  }
}

/** An error message with anything that looks like the password removed. */
export function redact(message: string, ...secrets: readonly (string | undefined)[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  return out;
}
