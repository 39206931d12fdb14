/** rotation-status: last and next rotation, incomplete (failing) rotations and overdue secrets. */
import { Command } from "commander";
import { defaultSecretName, ENGINES } from "../../../functions/shared/contracts/database-secret";
import type { SecretStore } from "../../../functions/shared/credentials/secrets-manager";
import { EXIT, fail, paint, runProgram, setExit, storeFor, withAwsOptions, type Io } from "../credentials/common";
import { rotationStatus, type RotationStatus } from "../credentials/rotation-status";

export interface StatusDeps {
  readonly io: Io;
  readonly store?: SecretStore;
  readonly now?: () => Date;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function rotationStatusProgram(deps: StatusDeps): Command {
  const { io } = deps;
  const program = withAwsOptions(new Command("rotation-status"))
    .description("Show each secret's last and next rotation and any failing, incomplete or overdue rotation")
    .option("--environment <env>", "the environment's secrets (avesa/<engine>/<env>)", "dev")
    .option("--secret <id>", "a secret name or ARN instead (repeatable)", collect)
    .option("--json", "JSON instead of a table")
    .addHelpText("after", "\nExit codes: 0 all healthy, 1 a secret has a problem or cannot be read, 2 bad usage.")
    .action(async (options: { environment: string; secret?: string[]; json?: boolean; region?: string }) => {
      try {
        const store = deps.store ?? storeFor(options, io);
        const ids = options.secret ?? ENGINES.map((e) => defaultSecretName(e, options.environment));
        const now = (deps.now ?? (() => new Date()))();
        const rows: (RotationStatus | { secret: string; problems: string[] })[] = [];
        for (const id of ids) {
          try {
            rows.push(rotationStatus(await store.describe(id), now));
          } catch (error) {
            rows.push({ secret: id, problems: [`cannot be read: ${(error as Error).message}`] });
          }
        }
        if (options.json) io.out(`${JSON.stringify(rows, null, 2)}\n`);
        else
          for (const r of rows) {
            const s = r as RotationStatus;
            const state = r.problems.length === 0 ? paint(io, "green", "OK") : paint(io, "red", "PROBLEM");
            io.out(`${state}  ${r.secret}\n`);
            if ("rotationEnabled" in r) io.out(`    every ${s.rotationDays ?? "?"} days; last ${s.lastRotated ?? "never"}; next ${s.nextRotation ?? "not scheduled"}; rollback ${s.hasPrevious ? "possible" : "not possible (no AWSPREVIOUS)"}\n`);
            for (const p of r.problems) io.out(`    - ${p}\n`);
          }
        setExit(program, rows.some((r) => r.problems.length > 0) ? EXIT.failure : EXIT.ok);
      } catch (error) {
        setExit(program, fail(io, "rotation-status", error));
      }
    });
  return program;
}

export const run = (argv: readonly string[], deps: StatusDeps): Promise<number> => runProgram(rotationStatusProgram(deps), argv);
