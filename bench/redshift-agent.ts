/**
 * The Redshift agent (`npm run bench:redshift-agent`): cold init of its zip (require index.js in
 * a fresh node, median of BENCH_RUNS) beside the floor (a fresh node requiring an empty file), and
 * p50/p99 per intent of the handler in-process with Redshift answering instantly
 * (aws-sdk-client-mock) beside the floor (`help`, which calls nothing). Prints; asserts nothing.
 *   tsx bench/redshift-agent.ts [requests=1000]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readZip } from "../scripts/bundle";
import { BUNDLE_DIR } from "../stacks/constructs/node-function";
import { loadAgentHandler, mockRedshift, REGION } from "../test/support/redshift-fixtures";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const REQUESTS = Number(process.argv[2] ?? 1000);
const COLD_INIT_TARGET_MS = 150;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

function requireTime(dir: string, file: string): number {
  const script = `const t = performance.now(); require(${JSON.stringify(`./${file}`)}); process.stdout.write(String(performance.now() - t));`;
  const env = { PATH: process.env.PATH, AWS_REGION: REGION, AWS_LAMBDA_FUNCTION_NAME: "bench", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512" };
  return Number(execFileSync(process.execPath, ["-e", script], { cwd: dir, env, encoding: "utf8" }));
}

function coldInit(): void {
  const zip = path.join(BUNDLE_DIR, "redshift-agent.zip");
  let bytes: Buffer;
  try {
    bytes = readFileSync(zip);
  } catch {
    console.log(`Cold init: ${zip} is missing; run \`npm run bundle\` first.`);
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-redshift-agent-"));
  try {
    for (const [name, contents] of readZip(bytes)) writeFileSync(path.join(dir, name), contents);
    writeFileSync(path.join(dir, "empty.js"), "");
    const floor: number[] = [];
    const agent: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      floor.push(requireTime(dir, "empty.js"));
      agent.push(requireTime(dir, "index.js"));
    }
    console.log(`Cold init (require in a fresh node ${process.version}, median of ${RUNS}, interleaved; zip ${(bytes.length / 1024).toFixed(1)} KiB)`);
    console.log(`  floor: require an empty file          ${median(floor).toFixed(1).padStart(7)} ms`);
    console.log(`  redshift-agent index.js               ${median(agent).toFixed(1).padStart(7)} ms   target <= ${COLD_INIT_TARGET_MS} ms: ${median(agent) <= COLD_INIT_TARGET_MS ? "met" : "NOT met"}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function perIntent(): Promise<void> {
  const mocks = mockRedshift();
  const handler = loadAgentHandler();
  const cases: Array<[string, unknown]> = [
    ["help (floor: no AWS call)", { action: "help" }],
    ["list_clusters (2 pages)", { action: "list_clusters" }],
    ["extract_config (5 calls, 2 parameter pages)", { action: "extract_config", cluster_id: "analytics-prod" }],
    ["assess_migration (+2 Serverless lists)", { action: "assess_migration", cluster_id: "analytics-prod" }],
    ["message → parser → assess_migration", { message: "Is analytics-prod ready for Serverless?" }],
    ["message → parser → unknown (help)", { message: "order a pizza" }],
  ];
  console.log(`\nHandler in-process, Redshift mocked (aws-sdk-client-mock), ${REQUESTS} requests each after 100 warm-up`);
  for (const [label, event] of cases) {
    for (let i = 0; i < 100; i++) await handler(event);
    const times: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = process.hrtime.bigint();
      const result = (await handler(event)) as { error?: unknown };
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (result.error) throw new Error(`${label}: ${JSON.stringify(result.error)}`);
    }
    times.sort((a, b) => a - b);
    console.log(`  ${label.padEnd(44)} p50 ${percentile(times, 50).toFixed(3).padStart(7)} ms   p99 ${percentile(times, 99).toFixed(3).padStart(7)} ms`);
  }
  mocks.restore();
}

async function main(): Promise<void> {
  coldInit();
  await perIntent();
}

void main();
