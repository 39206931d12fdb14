/**
 * What the credential commands (setup-credentials, rotate, rollback, rotation-status,
 * validate-security) share: output sinks, exit codes, the Secrets Manager store from the options,
 * and one-line error reporting (never a stack trace, never a secret value).
 */
import { readFileSync } from "node:fs";
import { Command, Option, type CommanderError } from "commander";
import { ENGINES, type Engine } from "../../../functions/shared/contracts/database-secret";
import { engineFactory } from "../../../functions/shared/credentials/engines/engine-for";
import { secretsManagerClient, secretStore, type SecretStore } from "../../../functions/shared/credentials/secrets-manager";
import { PlatformError, ValidationError } from "../../../functions/shared/platform/errors";

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly isTty: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo = (): Io => ({
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTty: process.stdout.isTTY === true,
  env: process.env,
});

/** Green/red/yellow only on a terminal and without NO_COLOR. */
export function paint(io: Io, colour: "green" | "red" | "yellow", text: string): string {
  if (!io.isTty || io.env.NO_COLOR !== undefined) return text;
  const code = { green: 32, red: 31, yellow: 33 }[colour];
  return `\u001b[${code}m${text}\u001b[0m`;
}

export interface AwsOptions {
  readonly region?: string;
}

/** The options every command talking to Secrets Manager takes. */
export function withAwsOptions(command: Command): Command {
  return command.addOption(new Option("--region <region>", "AWS region of the secrets (default: AWS_REGION)"));
}

export function storeFor(options: AwsOptions, io: Io): SecretStore {
  const region = options.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!region) throw new ValidationError("No region: pass --region or set AWS_REGION.");
  // SECRETS_MANAGER_ENDPOINT: a VPC endpoint, or a local stand-in in tests.
  return secretStore(secretsManagerClient({ region, endpoint: io.env.SECRETS_MANAGER_ENDPOINT }));
}

/** The database engines, trusting an extra CA (e.g. the RDS bundle) when given. */
export function enginesFor(caFile: string | undefined): ReturnType<typeof engineFactory> {
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, "utf8");
    } catch (error) {
      throw new ValidationError(`Cannot read --ca-file ${caFile}: ${(error as Error).message}`);
    }
  }
  return engineFactory({ postgres: { ca }, clickhouse: { ca } });
}

export function parseEngine(value: string): Engine {
  if (!(ENGINES as readonly string[]).includes(value)) throw new ValidationError(`--engine must be one of ${ENGINES.join(", ")}, got "${value}".`);
  return value as Engine;
}

/** One line on stderr; exit 2 for usage errors, 1 otherwise. */
export function fail(io: Io, command: string, error: unknown): number {
  const code = error instanceof PlatformError ? ` (${error.code})` : (error as { name?: string })?.name && !["Error"].includes((error as Error).name) ? ` (${(error as Error).name})` : "";
  io.err(`${command}: ${(error as Error)?.message ?? String(error)}${code}\n`);
  return error instanceof ValidationError ? EXIT.usage : EXIT.failure;
}

/** Runs a commander program; usage errors exit 2, --help exits 0. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof program.getOptionValue("__exit") === "number" ? (program.getOptionValue("__exit") as number) : EXIT.ok;
  } catch (error) {
    const commanderError = error as CommanderError;
    if (typeof commanderError.exitCode === "number" && commanderError.code?.startsWith("commander.")) return commanderError.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
}

/** Lets an action report its exit code through the program. */
export function setExit(program: Command, code: number): void {
  program.setOptionValue("__exit", code);
}

/** For main.ts: runs the program on the process's arguments and sets the exit code. */
export function main(run: (argv: readonly string[]) => Promise<number>): void {
  run(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
