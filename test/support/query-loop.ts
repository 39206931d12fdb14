/** The zero-downtime client: used by the zero-downtime test, the end-to-end test and the rotation bench. */
import { Client } from "pg";
import type { CredentialManager } from "../../functions/shared/credentials/credential-manager";
import { isPostgresAuthFailure, postgresClientConfig } from "../../functions/shared/credentials/engines/postgres";
import type { PostgresSecret } from "../../functions/shared/contracts/database-secret";

/**
 * Queries in a loop through the credential manager, each on a fresh connection (the worst case:
 * every operation authenticates), while rotations run. Returns the failed operations.
 */
export async function queryLoop(manager: CredentialManager, environment: string, caCert: string, until: () => boolean, table = "public.zd_events", onOperation?: (ops: number) => void): Promise<{ ops: number; failures: string[] }> {
  const failures: string[] = [];
  let ops = 0;
  while (!until()) {
    ops += 1;
    try {
      await manager.withCredentials(
        "postgres",
        environment,
        async (credentials) => {
          const client = new Client(postgresClientConfig(credentials as PostgresSecret, { ca: caCert }));
          client.on("error", () => undefined);
          await client.connect();
          try {
            await client.query(`INSERT INTO ${table} (body) VALUES ($1)`, [`op ${ops}`]);
          } finally {
            await client.end();
          }
        },
        isPostgresAuthFailure,
      );
    } catch (error) {
      failures.push((error as Error).message);
    }
    onOperation?.(ops);
  }
  return { ops, failures };
}

