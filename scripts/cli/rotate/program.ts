/** rotate: starts a rotation through RotateSecret (never by invoking the function) and optionally waits for it. */
import { Command } from "commander";
import { STAGE } from "../../../functions/shared/contracts/secret-rotation";
import { requestRotation } from "../../../functions/shared/credentials/rotation-control";
import type { SecretStore } from "../../../functions/shared/credentials/secrets-manager";
import { ValidationError } from "../../../functions/shared/platform/errors";
import { EXIT, fail, paint, runProgram, setExit, storeFor, withAwsOptions, type Io } from "../credentials/common";

export interface RotateDeps {
  readonly io: Io;
  readonly store?: SecretStore;
  /** @default 5000 */
  readonly pollMs?: number;
}

export function rotateProgram(deps: RotateDeps): Command {
  const { io } = deps;
  const program = withAwsOptions(new Command("rotate"))
    .description("Rotate a secret now through Secrets Manager (RotateSecret); a stale AWSPENDING from an abandoned rotation is cleared first")
    .requiredOption("--secret <id>", "secret name or ARN")
    .option("--wait", "wait until the new version is AWSCURRENT")
    .option("--timeout <seconds>", "how long --wait waits", "600")
    .addHelpText("after", "\nExit codes: 0 started (or completed with --wait), 1 refused, failed or not complete in time, 2 bad usage.")
    .action(async (options: { secret: string; wait?: boolean; timeout: string; region?: string }) => {
      try {
        const timeout = Number(options.timeout);
        if (!Number.isFinite(timeout) || timeout <= 0) throw new ValidationError(`--timeout must be a number of seconds, got "${options.timeout}".`);
        const store = deps.store ?? storeFor(options, io);
        const started = await requestRotation(store, options.secret);
        if (started.recoveredVersionId) io.out(`Removed the stale AWSPENDING label from version ${started.recoveredVersionId} (an abandoned rotation).\n`);
        io.out(`Rotation of ${started.secretArn} started (version ${started.versionId ?? "?"}).\n`);
        if (!options.wait || !started.versionId) return;
        const deadline = Date.now() + timeout * 1000;
        for (;;) {
          const d = await store.describe(started.secretArn);
          if (d.versions[started.versionId]?.includes(STAGE.current)) {
            io.out(`${paint(io, "green", "done")}: version ${started.versionId} is AWSCURRENT.\n`);
            return;
          }
          if (Date.now() >= deadline) {
            io.err(`rotate: version ${started.versionId} is not AWSCURRENT after ${timeout} s; Secrets Manager may still be retrying. Check rotation-status and the rotation function's log.\n`);
            setExit(program, EXIT.failure);
            return;
          }
          await new Promise((r) => setTimeout(r, deps.pollMs ?? 5000));
        }
      } catch (error) {
        setExit(program, fail(io, "rotate", error));
      }
    });
  return program;
}

export const run = (argv: readonly string[], deps: RotateDeps): Promise<number> => runProgram(rotateProgram(deps), argv);
