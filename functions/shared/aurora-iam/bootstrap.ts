/**
 * The whole bootstrap on an open connection as the migration (master) user: migrations, then
 * lambda_writer's first password, set in PostgreSQL (as a SCRAM verifier) and stored in its secret.
 * Once the secret holds a password the rotation owns it, and the bootstrap leaves it alone unless told.
 */
import type { ClientBase } from "pg";
import { WRITER_DB_USER } from "../contracts/aurora-writer";
import type { DbBootstrapResult } from "../contracts/db-bootstrap";
import { migrate } from "./migrate";
import { generatePassword, setWriterPassword } from "./writer-password";

/** The secret's JSON: the fields Secrets Manager's single-user PostgreSQL rotation expects. */
export interface WriterSecretValue {
  readonly engine: "postgres";
  /** The cluster endpoint: rotation connects directly, never through the proxy. */
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
  readonly username: typeof WRITER_DB_USER;
  readonly password: string;
}

export interface WriterSecretStore {
  /** Whether the secret already has a current value. */
  hasValue(): Promise<boolean>;
  putValue(value: WriterSecretValue): Promise<void>;
}

export interface BootstrapOptions {
  readonly store: WriterSecretStore;
  /** Written into the secret for the rotation to connect to. */
  readonly connection: { readonly host: string; readonly port: number; readonly dbname: string };
  readonly resetWriterPassword?: boolean;
  readonly log?: (message: string) => void;
  /** @default {@link generatePassword} */
  readonly generatePassword?: () => string;
}

export async function bootstrapDatabase(client: ClientBase, options: BootstrapOptions): Promise<DbBootstrapResult> {
  const report = await migrate(client, { log: options.log });
  let writerPassword: DbBootstrapResult["writerPassword"] = "kept";
  if (options.resetWriterPassword || !(await options.store.hasValue())) {
    const password = (options.generatePassword ?? generatePassword)();
    // PostgreSQL first: if storing fails, the next run sets another password, and nobody ever held this one.
    await setWriterPassword(client, password);
    await options.store.putValue({ engine: "postgres", ...options.connection, username: WRITER_DB_USER, password });
    options.log?.(`set a new ${WRITER_DB_USER} password and stored it in the secret`);
    writerPassword = "set";
  }
  return { applied: [...report.applied], alreadyApplied: report.alreadyApplied, keyColumnGrants: [...report.keyColumnGrants], writerPassword };
}
