/**
 * `npm run check:iac`: judges every stack of every environment with the guardrail rules
 * (stacks/rules) and prints a rules × resources table, or JSON (--json) or SARIF (--sarif).
 * Exit 0 when nothing fails; 1 when a rule fails or an exception is stale; 2 on bad usage or
 * when the app cannot be built (e.g. bundles missing: run `npm run bundle`).
 *
 *   npm run check:iac [-- --env dev] [--json | --sarif] [--output file] [--problems]
 *   npm run check:iac -- --catalogue     the rule catalogue as Markdown (docs/guardrails.md)
 */
import { writeFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { buildStacks } from "../main";
import { ENVIRONMENTS, loadConfig, type EnvironmentName } from "../stacks/config";
import { judgeTerraform } from "../stacks/rules/guardrails";
import { staleExceptions, type Finding } from "../stacks/rules/evaluate";
import { EXCEPTIONS } from "../stacks/rules/exceptions";
import { RULES } from "../stacks/rules/catalogue";
import { formatCatalogue, formatJson, formatSarif, formatTable, reportFails, type Report } from "../stacks/rules/report";
import type { TerraformJson } from "../stacks/rules/support/stack-model";

/** Builds each environment's app in memory (no synth to disk) and judges every stack. */
export function checkEnvironments(environments: readonly EnvironmentName[]): Report {
  const findings: Finding[] = [];
  const stale = [];
  const outdir = mkdtempSync(join(tmpdir(), "check-iac-"));
  try {
    for (const environment of environments) {
      const config = loadConfig({ environment, offline: false });
      const envFindings: Finding[] = [];
      for (const stack of buildStacks(config, outdir)) {
        envFindings.push(...judgeTerraform(stack.id, stack.terraform as TerraformJson, { environment, accountId: config.accountId }));
      }
      findings.push(...envFindings);
      stale.push(...staleExceptions(EXCEPTIONS, envFindings, environment).map((s) => ({ ...s, problem: s.problem })));
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  // An exception naming an unknown rule is reported once, not per environment.
  const seen = new Set<string>();
  return { findings, stale: stale.filter((s) => !seen.has(`${s.exception.rule}|${s.exception.resource}|${s.problem}`) && seen.add(`${s.exception.rule}|${s.exception.resource}|${s.problem}`)) };
}

function main(argv: readonly string[]): void {
  const program = new Command()
    .name("check:iac")
    .description("Judge every stack of every environment with the guardrail rules (docs/guardrails.md).")
    .addOption(new Option("--env <name...>", "environments to check (default: all)").choices([...ENVIRONMENTS]))
    .addOption(new Option("--json", "print findings as JSON").conflicts("sarif"))
    .option("--sarif", "print SARIF 2.1.0 (for code-scanning tools)")
    .option("--output <file>", "write the report to a file instead of stdout")
    .option("--problems", "table: show only failing, warning and excepted rows")
    .option("--catalogue", "print the rule catalogue as a Markdown table (as in docs/guardrails.md) and exit")
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .parse([...argv]);
  const options = program.opts<{ env?: EnvironmentName[]; json?: boolean; sarif?: boolean; output?: string; problems?: boolean; catalogue?: boolean }>();
  if (options.catalogue) {
    console.log(formatCatalogue(RULES));
    return;
  }

  let report: Report;
  try {
    report = checkEnvironments(options.env ?? ENVIRONMENTS);
  } catch (error) {
    console.error(`check:iac could not build the app: ${(error as Error).message}`);
    process.exit(2);
  }
  const toFile = options.output !== undefined;
  const text = options.sarif ? formatSarif(report, RULES) : options.json ? formatJson(report) : formatTable(report, { colour: !toFile && process.stdout.isTTY, onlyProblems: options.problems });
  if (toFile) writeFileSync(options.output!, `${text}\n`);
  else console.log(text);
  const fails = reportFails(report);
  if (toFile || options.json || options.sarif) console.error(fails ? "check:iac: guardrail violations or stale exceptions found (exit 1)." : "check:iac: no violations.");
  process.exit(fails ? 1 : 0);
}

if (require.main === module) main(process.argv);
