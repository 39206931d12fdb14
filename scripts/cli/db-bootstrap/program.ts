/**
 * `db-bootstrap`: applies the Aurora IAM subsystem's migrations and sets lambda_writer's password.
 *
 *   db-bootstrap migrate --url postgresql://admin@host:5432/platform --ca-file global-bundle.pem
 *   db-bootstrap status  --url …
 *   db-bootstrap invoke  --function-name csp-dev-aurora-iam-db-bootstrap   # the deployed function
 *
 * `migrate` and `status` work against any PostgreSQL URL (a local one for development and tests);
 * TLS is always verified. `invoke` runs the deployed bootstrap function, which reads the master
 * secret itself. Exit codes: 0 done, 1 the database or AWS refused, 2 the command line is wrong.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { Client } from "pg";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { dbBootstrapResultSchema, type DbBootstrapResult } from "../../../functions/shared/contracts/db-bootstrap";
import { WRITER_DB_USER } from "../../../functions/shared/contracts/aurora-writer";
import { migrate, migrationStatus, writerPrivilegeProblems } from "../../../functions/shared/aurora-iam/migrate";
import { setWriterPassword } from "../../../functions/shared/aurora-iam/writer-password";
import { PlatformError, ValidationError } from "../../../functions/shared/platform/errors";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
}

export interface Deps {
  /** @default a LambdaClient for the region */
  readonly lambda?: (region: string | undefined) => LambdaClient;
}

/** Connection settings that would weaken TLS are refused; the CLI always verifies the server. */
const TLS_URL_PARAMS = ["sslmode", "ssl", "sslrootcert", "sslcert", "sslkey", "uselibpqcompat"];

function connect(url: string, caFile: string | undefined): Client {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError(`--url must be a postgresql:// URL, got "${url.replace(/:[^:@/]*@/, ":***@")}".`);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new ValidationError(`--url must be a postgresql:// URL, not ${parsed.protocol}//.`);
  for (const param of TLS_URL_PARAMS) {
    if (parsed.searchParams.has(param)) throw new ValidationError(`Remove ${param} from --url: TLS is always on and verified (use --ca-file for a private CA).`);
  }
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, "utf8");
    } catch (error) {
      throw new ValidationError(`Cannot read --ca-file ${caFile}: ${(error as Error).message}`);
    }
  }
  return new Client({ connectionString: parsed.toString(), ssl: { rejectUnauthorized: true, ...(ca ? { ca } : {}) }, connectionTimeoutMillis: 10_000, application_name: "db-bootstrap" });
}

async function withClient<T>(url: string, caFile: string | undefined, work: (client: Client) => Promise<T>): Promise<T> {
  const client = connect(url, caFile);
  try {
    await client.connect();
  } catch (error) {
    throw new PlatformError("ConnectionFailed", `Cannot connect to ${client.host}:${client.port}/${client.database}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function printResult(io: Io, result: DbBootstrapResult): void {
  io.stdout(result.applied.length > 0 ? `Applied ${result.applied.join(", ")}.\n` : `Nothing to apply: all ${result.alreadyApplied} migrations were already applied.\n`);
  io.stdout(`${WRITER_DB_USER} may read the key columns of: ${result.keyColumnGrants.join(", ") || "no table"}.\n`);
  io.stdout(result.writerPassword === "set" ? `Set a new ${WRITER_DB_USER} password.\n` : `Kept ${WRITER_DB_USER}'s password.\n`);
}

export function buildProgram(io: Io, deps: Deps = {}): Command {
  const program = new Command("db-bootstrap")
    .description("Apply the Aurora IAM subsystem's SQL migrations and set lambda_writer's password.")
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t) })
    .exitOverride()
    .showHelpAfterError();

  const url = new Option("--url <url>", "postgresql://user:password@host:port/database of the migration (master) user").env("DATABASE_URL").makeOptionMandatory();
  const caFile = new Option("--ca-file <pem>", "CA bundle the server's certificate must chain to (e.g. the RDS global bundle); default: Node's trust store");

  program
    .command("migrate")
    .description("Apply pending migrations in order, re-grant key columns and check lambda_writer's privileges; safe to run again.")
    .addOption(url)
    .addOption(caFile)
    .option("--writer-password-env <name>", `set ${WRITER_DB_USER}'s password from this environment variable (local databases; in AWS the bootstrap function sets it)`)
    .action(async (options: { url: string; caFile?: string; writerPasswordEnv?: string }) => {
      const password = options.writerPasswordEnv ? io.env[options.writerPasswordEnv] : undefined;
      if (options.writerPasswordEnv && !password) throw new ValidationError(`--writer-password-env ${options.writerPasswordEnv}: that environment variable is empty or not set.`);
      await withClient(options.url, options.caFile, async (client) => {
        const report = await migrate(client, { log: (m) => io.stdout(`${m}\n`) });
        if (password) await setWriterPassword(client, password);
        printResult(io, { ...report, applied: [...report.applied], keyColumnGrants: [...report.keyColumnGrants], writerPassword: password ? "set" : "kept" });
      });
    });

  program
    .command("status")
    .description("List the migrations with when each was applied, and any problem with lambda_writer's privileges.")
    .addOption(url)
    .addOption(caFile)
    .action(async (options: { url: string; caFile?: string }) => {
      await withClient(options.url, options.caFile, async (client) => {
        for (const s of await migrationStatus(client)) io.stdout(`${s.migration}  ${s.appliedAt ? `applied ${s.appliedAt.toISOString()}` : "pending"}\n`);
        const problems = await writerPrivilegeProblems(client);
        io.stdout(problems.length === 0 ? `${WRITER_DB_USER}'s privileges are as designed.\n` : problems.map((p) => `problem: ${p}\n`).join(""));
        if (problems.length > 0) throw new PlatformError("PrivilegeProblems", `${problems.length} privilege problem(s): run \`db-bootstrap migrate\`.`);
      });
    });

  program
    .command("invoke")
    .description("Run the deployed bootstrap function (it reads the master secret and stores lambda_writer's password in its secret).")
    .requiredOption("--function-name <name>", "the bootstrap function (the stack's bootstrapFunctionName output)")
    .option("--region <region>", "AWS region; default: AWS_REGION or your profile's")
    .option("--reset-writer-password", `set a new ${WRITER_DB_USER} password even though its secret has one`, false)
    .action(async (options: { functionName: string; region?: string; resetWriterPassword: boolean }) => {
      const lambda = (deps.lambda ?? ((region) => new LambdaClient({ region, maxAttempts: 3 })))(options.region);
      const answer = await lambda.send(
        new InvokeCommand({ FunctionName: options.functionName, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify({ resetWriterPassword: options.resetWriterPassword })) }),
      );
      const payload = answer.Payload ? JSON.parse(Buffer.from(answer.Payload).toString("utf8")) : undefined;
      if (answer.FunctionError) {
        const { errorType, errorMessage } = (payload ?? {}) as { errorType?: string; errorMessage?: string };
        throw new PlatformError(errorType ?? "FunctionError", errorMessage ?? `The function failed (${answer.FunctionError}) without a message; see its log.`);
      }
      const parsed = dbBootstrapResultSchema.safeParse(payload);
      if (!parsed.success) throw new PlatformError("UnexpectedAnswer", `${options.functionName} answered something that is not a bootstrap result: is it the bootstrap function?`);
      printResult(io, parsed.data);
    });

  return program;
}

/** Runs the CLI and returns its exit code; prints one line for an error, never a stack trace. */
export async function run(argv: readonly string[], io: Io, deps: Deps = {}): Promise<number> {
  const program = buildProgram(io, deps);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    const code = error instanceof PlatformError ? error.code : (error as { name?: string })?.name;
    io.stderr(`db-bootstrap: ${(error as Error)?.message ?? String(error)}${code && code !== "Error" ? ` (${code})` : ""}\n`);
    return error instanceof ValidationError ? EXIT_USAGE : EXIT_FAILURE;
  }
}
