/** rollback: AWSPREVIOUS becomes AWSCURRENT again, and the database accepts its password again. */
import { Command } from "commander";
import type { DatabaseSecret } from "../../../functions/shared/contracts/database-secret";
import type { DatabaseEngine } from "../../../functions/shared/credentials/engines/engine";
import { rollback } from "../../../functions/shared/credentials/rotation-control";
import type { SecretStore } from "../../../functions/shared/credentials/secrets-manager";
import { enginesFor, fail, paint, runProgram, setExit, storeFor, withAwsOptions, type Io } from "../credentials/common";

export interface RollbackDeps {
  readonly io: Io;
  readonly store?: SecretStore;
  readonly engineFor?: (secret: DatabaseSecret) => DatabaseEngine;
}

export function rollbackProgram(deps: RollbackDeps): Command {
  const { io } = deps;
  const program = withAwsOptions(new Command("rollback"))
    .description("Move AWSCURRENT back to AWSPREVIOUS; where the database no longer accepts the previous password, set it back there first")
    .requiredOption("--secret <id>", "secret name or ARN")
    .option("--ca-file <pem>", "CA bundle to verify the database's TLS certificate")
    .addHelpText("after", "\nExit codes: 0 rolled back, 1 nothing to roll back to or a failure, 2 bad usage.")
    .action(async (options: { secret: string; caFile?: string; region?: string }) => {
      try {
        const result = await rollback(deps.store ?? storeFor(options, io), options.secret, deps.engineFor ?? enginesFor(options.caFile));
        for (const action of result.actions) io.out(`- ${action}\n`);
        io.out(`${paint(io, "green", "rolled back")}: ${result.secretArn} is at version ${result.restoredVersionId}.\n`);
      } catch (error) {
        setExit(program, fail(io, "rollback", error));
      }
    });
  return program;
}

export const run = (argv: readonly string[], deps: RollbackDeps): Promise<number> => runProgram(rollbackProgram(deps), argv);
