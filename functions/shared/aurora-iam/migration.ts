/**
 * The database's migrations, in the order they apply. Each lives in migrations/NNNN-name.ts as SQL
 * text (bundled into the bootstrap function, so no file is read at run time). Never edit an applied
 * migration: the runner refuses a changed checksum. Add a new one.
 */
import { createHash } from "node:crypto";
import { migration as rolesAndDatabase } from "./migrations/0001-roles-and-database";
import { migration as writerSchemas } from "./migrations/0002-writer-schemas";
import { migration as writerTables } from "./migrations/0003-writer-tables";

/** The NOLOGIN role that owns the application schemas and tables. */
export const MIGRATOR_ROLE = "db_migrator";
/** The schemas the writer may write to. */
export const WRITER_SCHEMAS = ["foo", "bar"] as const;

export interface Migration {
  /** 1, 2, 3 …: applied in this order, each once. */
  readonly version: number;
  readonly name: string;
  /**
   * `migration-user`: the connecting user (the cluster's master user), for roles and grants.
   * `db_migrator`: SET ROLE db_migrator first, so created objects are owned by it and its default
   * privileges apply. Tables must always be created this way.
   */
  readonly runAs: "migration-user" | typeof MIGRATOR_ROLE;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [rolesAndDatabase, writerSchemas, writerTables];

/** sha256 of a migration's SQL: stored when applied, compared on every later run. */
export function checksum(migration: Migration): string {
  return createHash("sha256").update(migration.sql).digest("hex");
}
