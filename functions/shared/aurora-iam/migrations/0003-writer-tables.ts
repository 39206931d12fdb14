import type { Migration } from "../migration";

/**
 * The tables the writer's contract allows (functions/shared/contracts/aurora-writer.ts). Created as
 * db_migrator, so the default privileges of migration 2 apply. Identity, not serial: inserting
 * needs no sequence privilege (C.4.4).
 */
export const migration: Migration = {
  version: 3,
  name: "writer-tables",
  runAs: "db_migrator",
  sql: /* sql */ `
CREATE TABLE IF NOT EXISTS foo.events (
  event_id    uuid PRIMARY KEY,
  source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
  payload     jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS bar.metrics (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  value       double precision NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
`,
};
