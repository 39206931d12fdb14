/**
 * validate-security: secretlint over the repository and the given paths, plus configuration checks
 * of the environment's secrets in AWS. A table or JSON report; exit 1 when anything fails.
 */
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { defaultSecretName, ENGINES } from "../../../functions/shared/contracts/database-secret";
import type { SecretStore } from "../../../functions/shared/credentials/secrets-manager";
import { EXIT, fail, paint, runProgram, setExit, storeFor, withAwsOptions, type Io } from "../credentials/common";
import { fetchFacts, judge, type CheckResult } from "./config-checks";
import { expandPaths, repositoryFiles, scanFiles, type SecretFinding } from "./secret-scan";

export interface ValidateDeps {
  readonly io: Io;
  readonly root: string;
  readonly store?: SecretStore;
  readonly now?: () => Date;
}

export interface SecurityReport {
  readonly filesScanned: number;
  readonly secretFindings: SecretFinding[];
  readonly configChecks: CheckResult[];
  readonly ok: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function table(io: Io, report: SecurityReport): string {
  const lines = [`Secret scan (secretlint): ${report.filesScanned} files, ${report.secretFindings.length} finding(s)`];
  for (const f of report.secretFindings) lines.push(`  ${paint(io, "red", "FOUND")}  ${f.file}:${f.line}:${f.column}  ${f.rule}  ${f.message}`);
  if (report.configChecks.length > 0) {
    lines.push("Configuration checks:");
    const width = Math.max(...report.configChecks.map((c) => c.check.length));
    for (const c of report.configChecks) {
      const status = c.status === "PASS" ? paint(io, "green", "PASS") : paint(io, c.status === "FAIL" ? "red" : "yellow", c.status);
      lines.push(`  ${status}${" ".repeat(15 - c.status.length)}${c.check.padEnd(width)}  ${c.secret}  ${c.detail}`);
    }
  }
  lines.push(report.ok ? paint(io, "green", "No problems found.") : paint(io, "red", "Problems found."));
  return `${lines.join("\n")}\n`;
}

export function validateSecurityProgram(deps: ValidateDeps): Command {
  const { io } = deps;
  const program = withAwsOptions(new Command("validate-security"))
    .description("Scan the repository (and PATHs) for secrets with secretlint, and check the environment's secrets in AWS")
    .argument("[paths...]", "more files or directories to scan")
    .option("--json", "print the report as JSON")
    .option("--report-file <file>", "also write the JSON report to this file")
    .option("--no-repo", "do not scan the repository, only the PATHs")
    .option("--environment <env>", "check avesa/clickhouse/<env> and avesa/postgres/<env> in AWS")
    .option("--secret <id>", "check this secret in AWS (repeatable)", collect)
    .addHelpText("after", "\nExit codes: 0 nothing found, 1 a secret was found or a check failed (or could not run), 2 bad usage.")
    .action(async (paths: string[], options: { json?: boolean; reportFile?: string; repo: boolean; environment?: string; secret?: string[]; region?: string }) => {
      try {
        const files = [...(options.repo ? repositoryFiles(deps.root) : []), ...expandPaths(paths)];
        const secretFindings = await scanFiles(files, deps.root);
        const ids = [...(options.secret ?? []), ...(options.environment ? ENGINES.map((e) => defaultSecretName(e, options.environment!)) : [])];
        const configChecks: CheckResult[] = [];
        if (ids.length > 0) {
          const store = deps.store ?? storeFor(options, io);
          const now = (deps.now ?? (() => new Date()))();
          for (const id of ids) configChecks.push(...judge(await fetchFacts(store, id), now));
        }
        const report: SecurityReport = { filesScanned: new Set(files).size, secretFindings, configChecks, ok: secretFindings.length === 0 && configChecks.every((c) => c.status === "PASS") };
        if (options.reportFile) writeFileSync(options.reportFile, `${JSON.stringify(report, null, 2)}\n`);
        io.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : table(io, report));
        setExit(program, report.ok ? EXIT.ok : EXIT.failure);
      } catch (error) {
        setExit(program, fail(io, "validate-security", error));
      }
    });
  return program;
}

export const run = (argv: readonly string[], deps: ValidateDeps): Promise<number> => runProgram(validateSecurityProgram(deps), argv);
