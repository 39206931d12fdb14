/**
 * Offline Terraform: synthesise every stack in offline mode, then `terraform init` from the
 * machine's provider mirror (no network), `terraform validate` and `terraform plan` per stack.
 * One line per stack; exit 1 if any stack fails.
 *
 *   npm run plan [-- --env dev|staging|prod] [--stack cspm-dev]...
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";

const ROOT = resolve(__dirname, "..");
const WORK_DIR = join(ROOT, ".plan");
const MIRROR_CANDIDATES = ["/opt/tf-plugins", join(process.env.HOME ?? "/root", ".terraform.d", "plugins"), "/usr/share/terraform/plugins"];
const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";

export interface StackPlan {
  readonly stack: string;
  readonly ok: boolean;
  /** e.g. "42 to add, 0 to change, 0 to destroy" or the first error line. */
  readonly summary: string;
  readonly seconds: { init: number; validate: number; plan: number };
  readonly output: string;
}

interface Run {
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const finish = (code: number) => resolvePromise({ code, output, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    child.on("error", (error) => {
      output += `${command}: ${error.message}\n`;
      finish(127);
    });
    child.on("close", (code) => finish(code ?? 1));
  });
}

/** The provider mirror: TF_PROVIDER_MIRROR, or the first known folder that holds the AWS provider. */
export function findProviderMirror(): string {
  const candidates = process.env.TF_PROVIDER_MIRROR ? [process.env.TF_PROVIDER_MIRROR] : MIRROR_CANDIDATES;
  const found = candidates.find((dir) => existsSync(join(dir, AWS_PROVIDER)));
  if (!found) {
    throw new Error(`No Terraform provider mirror holding ${AWS_PROVIDER} in ${candidates.join(", ")}: set TF_PROVIDER_MIRROR to the mirror folder.`);
  }
  return found;
}

/** A Terraform CLI config that installs only from the mirror and shares one plugin cache (symlinks, no copy per stack). */
function writeCliConfig(mirror: string): string {
  const cache = join(WORK_DIR, "plugin-cache");
  mkdirSync(cache, { recursive: true });
  const path = join(WORK_DIR, "terraformrc");
  writeFileSync(
    path,
    [
      "provider_installation {",
      "  filesystem_mirror {",
      `    path    = ${JSON.stringify(mirror)}`,
      '    include = ["registry.terraform.io/*/*"]',
      "  }",
      "}",
      `plugin_cache_dir = ${JSON.stringify(cache)}`,
      // Offline folders have no lock file to check the cache against: link from the cache anyway.
      "plugin_cache_may_break_dependency_lock_file = true",
      "",
    ].join("\n"),
  );
  return path;
}

function firstError(output: string): string {
  const line = output.split("\n").find((l) => /Error:/.test(l));
  return (line ?? output.trim().split("\n").pop() ?? "failed").replace(/^[│╷╵\s]+/, "").trim();
}

/** `terraform init` of one stack folder: providers from the mirror, through the shared cache. */
function initStack(stackDir: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return run("terraform", ["init", "-input=false", "-no-color"], stackDir, env);
}

/** `terraform validate` and `plan` of a stack folder that has been initialised. */
export async function validateAndPlan(stackDir: string, init: Run, env: NodeJS.ProcessEnv): Promise<StackPlan> {
  const stack = stackDir.split("/").pop() ?? stackDir;
  const seconds = { init: init.seconds, validate: 0, plan: 0 };
  if (init.code !== 0) return { stack, ok: false, summary: `init: ${firstError(init.output)}`, seconds, output: init.output };
  const validate = await run("terraform", ["validate", "-no-color"], stackDir, env);
  seconds.validate = validate.seconds;
  if (validate.code !== 0) return { stack, ok: false, summary: `validate: ${firstError(validate.output)}`, seconds, output: validate.output };
  // -refresh=false: nothing to read from AWS; the plan is against this folder's (empty) local state.
  const plan = await run("terraform", ["plan", "-input=false", "-lock=false", "-refresh=false", "-no-color", "-out=offline.tfplan"], stackDir, env);
  seconds.plan = plan.seconds;
  if (plan.code !== 0) return { stack, ok: false, summary: `plan: ${firstError(plan.output)}`, seconds, output: plan.output };
  const counts = /Plan: (\d+ to add, \d+ to change, \d+ to destroy)/.exec(plan.output)?.[1] ?? "no changes";
  return { stack, ok: true, summary: counts, seconds, output: init.output + validate.output + plan.output };
}

async function synthOffline(environment: string | undefined, outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  const env = { ...process.env, PLATFORM_OFFLINE: "1", CDKTF_OUTDIR: outdir, ...(environment ? { PLATFORM_ENV: environment } : {}) };
  const result = await run(process.execPath, [require.resolve("tsx/cli"), join(ROOT, "main.ts")], ROOT, env);
  if (result.code !== 0) throw new Error(result.output.trim().split("\n").slice(-3).join("\n"));
}

export interface PlanOptions {
  readonly environment?: string;
  readonly stacks?: readonly string[];
  /** Stacks planned at once. @default 2 */
  readonly parallel?: number;
  readonly onResult?: (result: StackPlan) => void;
}

export async function planAll(options: PlanOptions = {}): Promise<StackPlan[]> {
  const outdir = join(WORK_DIR, "out");
  mkdirSync(WORK_DIR, { recursive: true });
  await synthOffline(options.environment, outdir);
  const cliConfig = writeCliConfig(findProviderMirror());
  const env: NodeJS.ProcessEnv = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_INPUT: "0" };
  const stacksDir = join(outdir, "stacks");
  const all = readdirSync(stacksDir).sort();
  const unknown = (options.stacks ?? []).filter((s) => !all.includes(s));
  if (unknown.length > 0) throw new Error(`Unknown stack ${unknown.join(", ")}: the app has ${all.join(", ")}.`);
  const selected = options.stacks && options.stacks.length > 0 ? all.filter((s) => options.stacks!.includes(s)) : all;

  // Inits one after another: Terraform's plugin cache is not safe for concurrent installs (two
  // inits at once can fail with "still not detected in .terraform/providers"). After the first
  // fills the cache, each init only links to it (under a second).
  const inits = new Map<string, Run>();
  for (const stack of selected) inits.set(stack, await initStack(join(stacksDir, stack), env));

  // Validate and plan in parallel: they only read the linked provider.
  const results: StackPlan[] = [];
  const queue = [...selected];
  const worker = async (): Promise<void> => {
    for (let stack = queue.shift(); stack; stack = queue.shift()) {
      const result = await validateAndPlan(join(stacksDir, stack), inits.get(stack)!, env);
      results.push(result);
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 2) }, worker));
  return results.sort((a, b) => a.stack.localeCompare(b.stack));
}

export function formatResult(r: StackPlan): string {
  const t = r.seconds;
  const mark = r.ok ? "ok  " : "FAIL";
  return `${mark} ${r.stack.padEnd(22)} ${r.summary.padEnd(40)} init ${t.init.toFixed(1)}s  validate ${t.validate.toFixed(1)}s  plan ${t.plan.toFixed(1)}s`;
}

async function cli(): Promise<void> {
  const program = new Command("plan")
    .description("Synthesise every stack offline and run terraform init (from the provider mirror), validate and plan on each. Needs no AWS account or network.")
    .option("--env <name>", "environment: dev, staging or prod (default: PLATFORM_ENV or dev)")
    .option("--stack <name...>", "only these stacks (e.g. cspm-dev)")
    .option("--parallel <n>", "stacks planned at once", "2")
    .option("--verbose", "print Terraform's output for failed stacks", false)
    .showHelpAfterError();
  program.parse();
  const opts = program.opts<{ env?: string; stack?: string[]; parallel: string; verbose: boolean }>();
  const started = Date.now();
  try {
    const results = await planAll({
      environment: opts.env,
      stacks: opts.stack,
      parallel: Number(opts.parallel),
      onResult: (r) => {
        console.log(formatResult(r));
        if (!r.ok && opts.verbose) console.log(r.output);
      },
    });
    const failed = results.filter((r) => !r.ok).length;
    console.log(`${results.length - failed} of ${results.length} stacks validated and planned offline in ${((Date.now() - started) / 1000).toFixed(1)}s` + (failed ? ` (${failed} failed; rerun with --verbose)` : ""));
    process.exitCode = failed ? 1 : 0;
  } catch (error) {
    console.error(`plan failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void cli();
