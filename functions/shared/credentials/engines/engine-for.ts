/** The engine for a secret, with the TLS trust the runtime provides (NODE_EXTRA_CA_CERTS carries the RDS bundle in Lambda). */
import type { DatabaseSecret } from "../../contracts/database-secret";
import { clickhouseEngine, type ClickhouseEngineOptions } from "./clickhouse";
import type { DatabaseEngine } from "./engine";
import { postgresEngine, type PostgresEngineOptions } from "./postgres";

export interface EngineOptions {
  readonly postgres?: PostgresEngineOptions;
  readonly clickhouse?: ClickhouseEngineOptions;
}

export function engineFactory(options: EngineOptions = {}): (secret: DatabaseSecret) => DatabaseEngine {
  const postgres = postgresEngine(options.postgres);
  const clickhouse = clickhouseEngine(options.clickhouse);
  return (secret) => (secret.engine === "postgres" ? postgres : clickhouse) as DatabaseEngine;
}

export const engineFor = engineFactory();
