import type { Migration } from "../migration";

/**
 * The two roles and the database-wide grants. Runs as the migration user (the cluster's master
 * user): creating roles and changing database privileges needs it.
 *
 * - `db_migrator` (NOLOGIN) owns the application schemas and tables; migrations that create objects
 *   run as it, so ALTER DEFAULT PRIVILEGES FOR ROLE db_migrator covers every later table (C.4.4).
 * - `lambda_writer` logs in through RDS Proxy with a password the proxy reads from Secrets Manager.
 *   It is NOT granted rds_iam: that would make it IAM-only and break the proxy's password login (C.4.5).
 *   Its password is set by the bootstrap (a SCRAM verifier, never plain text), not here.
 * - PUBLIC loses TEMPORARY and CONNECT on the database and everything on schema public: revoking
 *   from lambda_writer alone would leave what PUBLIC holds (C.4.3).
 */
export const migration: Migration = {
  version: 1,
  name: "roles-and-database",
  runAs: "migration-user",
  sql: /* sql */ `
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'db_migrator') THEN
    CREATE ROLE db_migrator NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lambda_writer') THEN
    CREATE ROLE lambda_writer LOGIN;
  END IF;
END
$$;

-- Lets the migration user SET ROLE db_migrator (PostgreSQL 15 does not make a role's creator a member).
GRANT db_migrator TO CURRENT_USER;

-- SUPERUSER, REPLICATION and BYPASSRLS are off at creation and only a superuser could turn them on;
-- the bootstrap checks all of them after every run.
ALTER ROLE lambda_writer WITH LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT 200;
-- Defaults that bound what one writer session can hold: UPDATE/DELETE rights allow LOCK TABLE (C.6).
ALTER ROLE lambda_writer SET statement_timeout = '10s';
ALTER ROLE lambda_writer SET lock_timeout = '5s';
ALTER ROLE lambda_writer SET idle_in_transaction_session_timeout = '30s';

DO $$
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO lambda_writer', current_database());
END
$$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
`,
};
