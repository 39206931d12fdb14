import type { Migration } from "../migration";

/**
 * Schemas foo and bar, owned by db_migrator, and the default privileges that make every table and
 * sequence db_migrator creates there writable (never readable) by lambda_writer. Column SELECT on
 * key columns cannot be a default privilege (C.6): the bootstrap's key-column step grants it.
 */
export const migration: Migration = {
  version: 2,
  name: "writer-schemas",
  runAs: "migration-user",
  sql: /* sql */ `
CREATE SCHEMA IF NOT EXISTS foo AUTHORIZATION db_migrator;
CREATE SCHEMA IF NOT EXISTS bar AUTHORIZATION db_migrator;
ALTER SCHEMA foo OWNER TO db_migrator;
ALTER SCHEMA bar OWNER TO db_migrator;
REVOKE ALL ON SCHEMA foo, bar FROM PUBLIC;
GRANT USAGE ON SCHEMA foo, bar TO lambda_writer;

ALTER DEFAULT PRIVILEGES FOR ROLE db_migrator IN SCHEMA foo, bar GRANT INSERT, UPDATE, DELETE ON TABLES TO lambda_writer;
-- serial columns call nextval(), which checks USAGE; identity columns (preferred) need nothing.
ALTER DEFAULT PRIVILEGES FOR ROLE db_migrator IN SCHEMA foo, bar GRANT USAGE ON SEQUENCES TO lambda_writer;
-- Only a global default removes the built-in EXECUTE for PUBLIC on functions db_migrator creates (C.6).
ALTER DEFAULT PRIVILEGES FOR ROLE db_migrator REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
`,
};
