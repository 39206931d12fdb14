/**
 * Synth and bundle figures, side by side in one run (`npm run bench:synth`):
 *
 *   floor   a minimal cdktf app (bench/fixtures/floor-app.ts) run with tsx in a fresh process
 *   synth   the real app, `tsx main.ts`, in a fresh process
 *   bundle  `tsx scripts/bundle.ts` in a fresh process: as run day to day (no input changed,
 *           so the build cache answers) and with --force (every function rebuilt)
 *
 * each the median of 5 interleaved runs, then each zip's size and cold init (time to `require`
 * its index.js in a fresh node process, median of 5, without and with --enable-source-maps).
 * Prints figures and whether each target is met; never fails on a target. BENCH_RUNS=n changes
 * the count of runs (default 5).
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readZip } from "../scripts/bundle";

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const TARGETS = {
  synthOverFloor: 2,
  bundleOverFloor: 1,
  zipBytes: 1024 * 1024,
  coldInitMs: 150,
} as const;

/**
 * What Lambda sets in every function's environment, with dummy values, so module-load
 * configuration reads succeed. A function that needs more names it (see coldInit).
 */
const LAMBDA_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: "us-east-1",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_LAMBDA_FUNCTION_NAME: "bench",
  AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
  AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/bench",
  AWS_LAMBDA_LOG_STREAM_NAME: "bench",
  AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
  LAMBDA_TASK_ROOT: "/var/task",
  // What the stacks set for our functions (stacks/cspm/), with dummy values.
  KMS_AUDIT_API_URL: "https://abcdef1234.execute-api.us-east-1.amazonaws.com/v1",
  AUDIT_REGIONS: "us-east-1",
  AUDIT_CONCURRENCY: "16",
  MONGODB_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111111111111:secret:bench-AbCdEf",
};

interface RunResult {
  readonly ms: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runProcess(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }));
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The error line of a failed run's stderr (`SomeError: message`), else its first line, kept short. */
function firstError(result: RunResult): string {
  const lines = result.stderr.split("\n").filter((l) => l.trim() !== "" && !/^npm warn/i.test(l));
  const line = lines.find((l) => /^\s*[\w$.]*(Error|Exception)\b[^:]{0,40}:/.test(l)) ?? lines[0];
  const text = line?.trim() ?? `exit code ${result.code}`;
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

interface Timed {
  readonly label: string;
  readonly args: readonly string[];
  readonly times: number[];
  failure?: string;
}

/** Runs the commands round-robin, so drift in machine load spreads over all of them alike. */
async function timeInterleaved(commands: Timed[], env: NodeJS.ProcessEnv): Promise<void> {
  for (let i = 0; i < RUNS; i++) {
    for (const command of commands) {
      if (command.failure) continue;
      const result = await runProcess(command.args, { cwd: ROOT, env });
      if (result.code !== 0) command.failure = firstError(result);
      else command.times.push(result.ms);
    }
  }
}

type ColdInit =
  | { readonly ms: number; readonly cpuMs: number; readonly withMapsMs: number }
  | { readonly missingEnv: string }
  | { readonly failure: string };

const MISSING_ENV = /Environment variable (\w+) is not set/;

/** Median time to `require` the bundle in a fresh node process, from a folder holding only the zip's files. */
async function coldInit(zipPath: string, scratch: string): Promise<ColdInit> {
  const dir = path.join(scratch, path.basename(zipPath, ".zip"));
  await mkdir(dir, { recursive: true });
  for (const [name, contents] of readZip(await readFile(zipPath))) await writeFile(path.join(dir, name), contents);
  // Wall time, and CPU time, which a busy machine disturbs less. A load error is caught and
  // printed here: node's own report of it quotes the whole minified line and is cut short
  // when the process exits with a pipe for stderr.
  const script =
    `const c = process.cpuUsage(), t = performance.now();` +
    `try { require("./index.js"); } catch (e) { process.stdout.write(JSON.stringify({ error: String(e?.message ?? e), name: e?.name })); process.exit(); }` +
    `const w = performance.now() - t, u = process.cpuUsage(c); process.stdout.write(JSON.stringify([w, (u.user + u.system) / 1000]));`;
  const env = { PATH: process.env.PATH, ...LAMBDA_ENV };
  const measure = async (flags: string[]): Promise<[number, number][] | ColdInit> => {
    const times: [number, number][] = [];
    for (let i = 0; i < RUNS; i++) {
      const result = await runProcess([...flags, "-e", script], { cwd: dir, env });
      const answer = result.code === 0 ? (JSON.parse(result.stdout || "null") as [number, number] | { error: string; name?: string } | null) : null;
      if (answer === null) return { failure: firstError(result) };
      if (!Array.isArray(answer)) {
        const missing = MISSING_ENV.exec(answer.error);
        return missing ? { missingEnv: missing[1] } : { failure: `${answer.name ?? "Error"}: ${answer.error}`.slice(0, 160) };
      }
      times.push(answer);
    }
    return times;
  };
  const plain = await measure([]);
  if (!Array.isArray(plain)) return plain;
  const withMaps = await measure(["--enable-source-maps"]);
  if (!Array.isArray(withMaps)) return withMaps;
  return { ms: median(plain.map((t) => t[0])), cpuMs: median(plain.map((t) => t[1])), withMapsMs: median(withMaps.map((t) => t[0])) };
}

const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;
const verdict = (met: boolean) => (met ? "met" : "NOT met");

async function main(): Promise<void> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), "bench-synth-"));
  try {
    // Synth and floor write their Terraform JSON here, not into the working tree's cdktf.out.
    const env = { ...process.env, CDKTF_OUTDIR: path.join(scratch, "cdktf.out"), FORCE_COLOR: "0" };
    // Synth needs the zips: bundle once first (this also warms the file cache for every command).
    const warmup = await runProcess([TSX, "scripts/bundle.ts"], { cwd: ROOT, env });
    if (warmup.code !== 0) console.log(`bundle (warm-up) failed: ${firstError(warmup)}`);

    const floor: Timed = { label: "floor (bench/fixtures/floor-app.ts)", args: [TSX, "bench/fixtures/floor-app.ts"], times: [] };
    const synth: Timed = { label: "synth (tsx main.ts)", args: [TSX, "main.ts"], times: [] };
    const bundle: Timed = { label: "bundle, nothing changed (cache)", args: [TSX, "scripts/bundle.ts"], times: [] };
    const rebuild: Timed = { label: "bundle --force (full rebuild)", args: [TSX, "scripts/bundle.ts", "--force"], times: [] };
    await timeInterleaved([floor, synth, bundle, rebuild], env);

    console.log(`\nProcess times, median of ${RUNS} (node ${process.version}, ${os.cpus().length} cores)`);
    for (const t of [floor, synth, bundle, rebuild]) {
      const figure = t.failure ? `failed: ${t.failure}` : `${fmtMs(median(t.times)).padStart(8)}   runs: ${t.times.map((x) => x.toFixed(0)).join(" ")}`;
      console.log(`  ${t.label.padEnd(38)} ${figure}`);
    }
    const floorMs = floor.failure ? undefined : median(floor.times);
    const ratio = (t: Timed, target: number, name: string) => {
      if (floorMs === undefined || t.failure) return console.log(`  ${name.padEnd(38)} n/a`);
      const r = median(t.times) / floorMs;
      console.log(`  ${name.padEnd(38)} ${r.toFixed(2).padStart(8)}   target <= ${target}: ${verdict(r <= target)}`);
    };
    console.log("\nRatios");
    ratio(synth, TARGETS.synthOverFloor, "synth / floor");
    ratio(bundle, TARGETS.bundleOverFloor, "bundle (cache) / floor");
    ratio(rebuild, TARGETS.bundleOverFloor, "bundle --force / floor");

    const outDir = path.join(ROOT, "dist", "functions");
    const zips = (await readdir(outDir).catch(() => [] as string[])).filter((f) => f.endsWith(".zip")).sort();
    console.log(`\nZips in dist/functions (cold init = require index.js in a fresh node, median of ${RUNS}; targets: zip <= 1024 KiB, cold init <= ${TARGETS.coldInitMs} ms)`);
    if (zips.length === 0) console.log("  none: no function has been bundled yet.");
    const width = Math.max(8, ...zips.map((z) => z.length - 4));
    console.log(`  ${"function".padEnd(width)}  ${"zip KiB".padStart(8)}  ${"size".padEnd(7)}  ${"init".padStart(7)}  ${"init".padEnd(7)}  ${"init cpu".padStart(8)}  ${"init with --enable-source-maps".padStart(30)}`);
    for (const zip of zips) {
      const zipPath = path.join(outDir, zip);
      const bytes = (await readFile(zipPath)).length;
      const init = await coldInit(zipPath, scratch);
      const size = `${(bytes / 1024).toFixed(1).padStart(8)}  ${verdict(bytes <= TARGETS.zipBytes).padEnd(7)}`;
      const timing =
        "ms" in init
          ? `${fmtMs(init.ms).padStart(7)}  ${verdict(init.ms <= TARGETS.coldInitMs).padEnd(7)}  ${fmtMs(init.cpuMs).padStart(8)}  ${fmtMs(init.withMapsMs).padStart(30)}`
          : "missingEnv" in init
            ? `needs env ${init.missingEnv}`
            : `fails to load: ${init.failure}`;
      console.log(`  ${zip.slice(0, -4).padEnd(width)}  ${size}  ${timing}`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).stack ?? String(error));
  process.exitCode = 1;
});
