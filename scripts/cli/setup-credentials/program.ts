/**
 * setup-credentials: stores a database secret after testing the connection. The password comes from
 * a prompt that does not echo, or from the environment; never from the command line.
 */
import { Command, Option } from "commander";
import { databaseSecretSchema, defaultSecretName, STRATEGIES, type DatabaseSecret, type Engine } from "../../../functions/shared/contracts/database-secret";
import type { DatabaseEngine } from "../../../functions/shared/credentials/engines/engine";
import type { SecretStore } from "../../../functions/shared/credentials/secrets-manager";
import { ValidationError } from "../../../functions/shared/platform/errors";
import { enginesFor, EXIT, fail, paint, parseEngine, runProgram, setExit, storeFor, withAwsOptions, type Io } from "../credentials/common";
import { terminalPrompt, type Prompt } from "../credentials/prompt";

export interface SetupDeps {
  readonly io: Io;
  readonly prompt?: Prompt;
  readonly store?: SecretStore;
  readonly engineFor?: (secret: DatabaseSecret) => DatabaseEngine;
}

const DEFAULT_PORTS: Record<Engine, string> = { postgres: "5432", clickhouse: "8443" };
const DEFAULT_DB: Record<Engine, string> = { postgres: "postgres", clickhouse: "default" };

/** `<ENGINE>_HOST`, `_PORT`, `_USER`, `_PASSWORD`, `_DATABASE`, `_SSL`, `_STRATEGY`, `_MASTER_ARN`. */
export function fromEnv(engine: Engine, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const p = engine.toUpperCase();
  const missing = ["HOST", "USER", "PASSWORD"].filter((k) => !env[`${p}_${k}`]);
  if (missing.length > 0) throw new ValidationError(`--from-env needs ${missing.map((k) => `${p}_${k}`).join(", ")} in the environment.`);
  return {
    engine,
    host: env[`${p}_HOST`],
    port: Number(env[`${p}_PORT`] ?? DEFAULT_PORTS[engine]),
    username: env[`${p}_USER`],
    password: env[`${p}_PASSWORD`],
    dbname: env[`${p}_DATABASE`] ?? DEFAULT_DB[engine],
    ssl: env[`${p}_SSL`] === undefined ? true : env[`${p}_SSL`] !== "false",
    strategy: env[`${p}_STRATEGY`],
    masterarn: env[`${p}_MASTER_ARN`],
  };
}

async function fromPrompt(engine: Engine, prompt: Prompt): Promise<Record<string, unknown>> {
  const host = await prompt.ask("Host");
  const port = await prompt.ask("Port", { default: DEFAULT_PORTS[engine] });
  const username = await prompt.ask("User");
  const dbname = await prompt.ask("Database", { default: DEFAULT_DB[engine] });
  const password = await prompt.ask("Password (not shown)", { hidden: true });
  return { engine, host, port: Number(port), username, password, dbname, ssl: true };
}

function validateShape(input: Record<string, unknown>, secretName: string): DatabaseSecret {
  const parsed = databaseSecretSchema.safeParse(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== "")));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ValidationError(`The credentials for ${secretName} are invalid: ${issue.path.join(".") || "value"}: ${issue.message}.`);
}

export function setupCredentialsProgram(deps: SetupDeps): Command {
  const { io } = deps;
  const program = withAwsOptions(new Command("setup-credentials"))
    .description("Test database credentials and store them in Secrets Manager (avesa/<engine>/<environment> by default)")
    .requiredOption("--engine <engine>", "clickhouse or postgres")
    .requiredOption("--environment <env>", "dev, staging or prod")
    .addOption(new Option("--interactive", "prompt for the values (the password is not echoed)").conflicts("fromEnv"))
    .addOption(new Option("--from-env", "read <ENGINE>_HOST, _PORT, _USER, _PASSWORD, _DATABASE (and _SSL, _STRATEGY, _MASTER_ARN) from the environment"))
    .option("--validate-only", "test the connection and stop; store nothing")
    .option("--secret <name>", "secret name (default avesa/<engine>/<environment>)")
    .addOption(new Option("--strategy <strategy>", "rotation strategy").choices([...STRATEGIES]))
    .option("--ca-file <pem>", "CA bundle to verify the database's TLS certificate (e.g. the RDS global bundle)")
    .addHelpText("after", "\nExit codes: 0 stored (or valid), 1 connection or AWS failure, 2 bad usage or invalid values.")
    .action(async (options: { engine: string; environment: string; interactive?: boolean; fromEnv?: boolean; validateOnly?: boolean; secret?: string; strategy?: string; caFile?: string; region?: string }) => {
      try {
        const engine = parseEngine(options.engine);
        if (!options.interactive && !options.fromEnv) throw new ValidationError("Choose where the values come from: --interactive or --from-env.");
        if (!/^[a-z][a-z0-9-]{0,19}$/.test(options.environment)) throw new ValidationError(`--environment must be a name such as dev, got "${options.environment}".`);
        const secretName = options.secret ?? defaultSecretName(engine, options.environment);
        let input: Record<string, unknown>;
        if (options.interactive) {
          if (!deps.prompt && !process.stdin.isTTY) throw new ValidationError("--interactive needs a terminal; use --from-env in scripts.");
          input = await fromPrompt(engine, deps.prompt ?? terminalPrompt());
        } else {
          input = fromEnv(engine, io.env);
        }
        if (options.strategy) input.strategy = options.strategy;
        const secret = validateShape(input, secretName);
        const engineFor = deps.engineFor ?? enginesFor(options.caFile);
        io.out(`Testing ${secret.engine} login as ${secret.username}@${secret.host}:${secret.port} ...\n`);
        await engineFor(secret).test(secret);
        io.out(`${paint(io, "green", "ok")}: logs in${secret.requiredPrivileges ? " and holds the required privileges" : ""}.\n`);
        if (options.validateOnly) return;
        const store = deps.store ?? storeFor(options, io);
        await store.describe(secretName).catch((error: Error) => {
          throw new Error(`Secret ${secretName} does not exist or is not readable (${error.name}): deploy the credentials-${options.environment} stack first.`);
        });
        const stored = await store.putCurrent(secretName, JSON.stringify(secret));
        io.out(`Stored ${secretName} (version ${stored.versionId ?? "new"}); the previous value, if any, is AWSPREVIOUS.\n`);
      } catch (error) {
        setExit(program, fail(io, "setup-credentials", error));
      }
    });
  return program;
}

export function run(argv: readonly string[], deps: SetupDeps): Promise<number> {
  return runProgram(setupCredentialsProgram(deps), argv).then((code) => code ?? EXIT.ok);
}
