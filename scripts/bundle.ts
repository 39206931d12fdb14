/**
 * Bundles every Lambda function (`functions/<name>/handler.ts`) with esbuild into a reproducible
 * zip, `dist/functions/<name>.zip`, holding `index.js` (CommonJS, handler `index.handler`) and
 * `index.js.map`. The same sources give the same zip bytes on any machine, in any directory and in
 * any time zone, so `source_code_hash` (taken over the zip) changes only when the code does.
 * How and why: docs/bundling.md.
 *
 *   npm run bundle                  # every function
 *   npm run bundle -- --only NAME   # one function
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { crc32, inflateRawSync } from "node:zlib";
import { build, type BuildOptions, type Plugin } from "esbuild";
import { ZipFile } from "yazl";

/**
 * Bundle the AWS SDK v3 into each zip (true) or take it from the nodejs22.x runtime (false).
 * Bundled: the zip pins the SDK version in package-lock.json, the same zip behaves the same
 * wherever and whenever it is deployed, and cold init is faster (one file, tree-shaken, no
 * resolution through /var/runtime/node_modules). Figures in docs/bundling.md.
 */
export const BUNDLE_AWS_SDK = true;

const KIB = 1024;
const MIB = 1024 * KIB;

/** Zip budget for a function that has no entry in {@link BUDGETS}. */
export const DEFAULT_BUDGET_BYTES = 1 * MIB;

/** Per-function zip budgets in bytes; raise one only with a reason in the comment beside it. */
export const BUDGETS: Readonly<Record<string, number>> = {
  // MongoDB's driver (~430 KiB) plus six SDK clients; Powertools Metrics, the SQS batch path and the
  // SSE-C check took it 4 KiB past 1 MiB. Cold init stays under 200 ms (bench:synth); revisit if it grows.
  "s3-auditor": 1.125 * MIB,
};

/**
 * Optional peers that mongodb `require`s inside try/catch for features we do not use (Kerberos,
 * compression, client-side encryption, SOCKS, GCP auth). They are not installed; left external
 * the `require` throws and mongodb carries on without the feature.
 */
const OPTIONAL_PEERS = ["kerberos", "@mongodb-js/zstd", "snappy", "mongodb-client-encryption", "gcp-metadata", "socks"];

/**
 * Whether the map carries the text of bundled packages (node_modules) as well as our own code.
 * Stack traces need only the mappings; our own code's text is kept for debugging, the packages'
 * text (pinned by package-lock.json, so recoverable) is dropped: it was two thirds of each zip
 * and made `--enable-source-maps` cold starts slower. Figures in docs/bundling.md.
 */
export const PACKAGE_SOURCES_IN_MAP = false;

/** The SDK packages the nodejs22.x runtime provides, when {@link BUNDLE_AWS_SDK} is false. */
const RUNTIME_SDK = ["@aws-sdk/*"];

/**
 * DOS timestamps have no time zone: yazl reads the local-time fields of this Date, so building it
 * from local-time fields gives 1980-01-01 00:00 in the zip whatever TZ is.
 */
const ZIP_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** A regular file (S_IFREG), rw-r--r--: without the type bits some unzip tools guess. */
const ZIP_FILE_MODE = 0o100644;
/** zlib's best compression: a few ms more per zip, fixed so the bytes never depend on a default. */
const ZIP_COMPRESSION_LEVEL = 9;

/** Resolves `whatwg-url` to Node's built-in URL (scripts/shims/whatwg-url.ts): same standard, ~300 KiB less. */
const nodeUrlForWhatwgUrl: Plugin = {
  name: "node-url-for-whatwg-url",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: path.join(__dirname, "shims", "whatwg-url.ts") }));
  },
};

export class BundleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BundleError";
  }
}

export interface BundleOptions {
  /** The repository root: holds `functions/`, and is the root every path in the bundle is relative to. */
  readonly root: string;
  /** @default `<root>/dist/functions` */
  readonly outDir?: string;
  /** Bundle only this function. */
  readonly only?: string;
  /** Extra folders to resolve packages from, after `<root>/node_modules` (esbuild `nodePaths`). */
  readonly nodePaths?: readonly string[];
  /** @default {@link BUDGETS} */
  readonly budgets?: Readonly<Record<string, number>>;
  /** @default {@link BUNDLE_AWS_SDK} */
  readonly bundleAwsSdk?: boolean;
  /** Rebuild even when the build cache says nothing changed. */
  readonly force?: boolean;
}

export interface BundleResult {
  readonly name: string;
  readonly zipPath: string;
  /** Zip size in bytes. */
  readonly bytes: number;
  readonly budget: number;
  readonly overBudget: boolean;
  /** sha256 of the zip, hex. */
  readonly sha256: string;
  /** False when the zip on disk already held these bytes and was left untouched. */
  readonly written: boolean;
  /** True when no input changed since the zip on disk was built, so esbuild did not run. */
  readonly cached: boolean;
  /** Wall-clock time of this function's build and zip (builds run concurrently). */
  readonly buildMs: number;
  /** Size of `index.js` before compression, in bytes. */
  readonly jsBytes: number;
}

/**
 * The function folders under `<root>/functions` that hold a `handler.ts`, sorted; `shared` is not a
 * function. Synchronous, so synth code (constructs are built synchronously) can use it too.
 */
export function functionNames(root: string): string[] {
  const dir = path.join(root, "functions");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== "shared" && statSync(path.join(dir, entry.name, "handler.ts"), { throwIfNoEntry: false })?.isFile())
    .map((entry) => entry.name)
    .sort();
}

/** Bundles the functions concurrently and writes each zip that changed; never throws for a budget (see {@link budgetFailures}). */
export async function bundleFunctions(options: BundleOptions): Promise<BundleResult[]> {
  const root = path.resolve(options.root);
  const outDir = path.resolve(options.outDir ?? path.join(root, "dist", "functions"));
  const budgets = options.budgets ?? BUDGETS;
  const all = functionNames(root);
  if (options.only !== undefined && !all.includes(options.only)) {
    throw new BundleError(`There is no function "${options.only}": expected functions/${options.only}/handler.ts. Functions: ${all.join(", ") || "none"}.`);
  }
  const names = options.only === undefined ? all : [options.only];
  await mkdir(path.join(outDir, CACHE_DIR), { recursive: true });
  const key = await cacheKey(root, options);
  const hasher = memoHasher();
  return Promise.all(
    names.map(async (name) => {
      const started = performance.now();
      const zipPath = path.join(outDir, `${name}.zip`);
      const cachePath = path.join(outDir, CACHE_DIR, `${name}.json`);
      let built: { zip: Buffer; jsBytes: number; written: boolean; cached: boolean };
      const hit = options.force ? undefined : await cachedZip(root, zipPath, cachePath, key, hasher);
      if (hit) {
        built = { ...hit, written: false, cached: true };
      } else {
        const { files, inputs, seen } = await bundleOne(root, name, options);
        const zip = await zipFiles(files);
        const jsBytes = files.find((f) => f.name === "index.js")?.contents.length ?? 0;
        const written = await writeIfChanged(zipPath, zip);
        await saveCache(root, cachePath, { key, zipSha256: sha256(zip), jsBytes }, inputs, seen);
        built = { zip, jsBytes, written, cached: false };
      }
      const budget = budgets[name] ?? DEFAULT_BUDGET_BYTES;
      return {
        name,
        zipPath,
        bytes: built.zip.length,
        budget,
        overBudget: built.zip.length > budget,
        sha256: sha256(built.zip),
        written: built.written,
        cached: built.cached,
        buildMs: Math.round(performance.now() - started),
        jsBytes: built.jsBytes,
      };
    }),
  );
}

/** One sentence per zip over its budget; empty when all fit. */
export function budgetFailures(results: readonly BundleResult[]): string[] {
  return results
    .filter((r) => r.overBudget)
    .map(
      (r) =>
        `${r.name}.zip is ${kib(r.bytes)} KiB, over its budget of ${kib(r.budget)} KiB: ` +
        `trim what functions/${r.name} imports, or raise its entry in BUDGETS in scripts/bundle.ts with a reason.`,
    );
}

interface ZipEntry {
  readonly name: string;
  readonly contents: Buffer;
}

interface Bundle {
  /** index.js and index.js.map (zipFiles puts them in name order). */
  readonly files: ZipEntry[];
  /** Every file esbuild read, relative to the root. */
  readonly inputs: string[];
  /** Our own sources (not packages) and the text esbuild read for each, from the map. */
  readonly seen: Map<string, string>;
}

async function bundleOne(root: string, name: string, options: BundleOptions): Promise<Bundle> {
  const bundleAwsSdk = options.bundleAwsSdk ?? BUNDLE_AWS_SDK;
  const buildOptions: BuildOptions = {
    absWorkingDir: root,
    entryPoints: [path.join(root, "functions", name, "handler.ts")],
    // Never written (write: false): placing it at the root makes the source map's paths relative
    // to the repository.
    outfile: path.join(root, "index.js"),
    write: false,
    bundle: true,
    minify: true,
    // Minification renames classes; our errors set `name` from `new.target.name` and logs and
    // stack traces show class and function names, so keep them.
    keepNames: true,
    // Linked: the `//# sourceMappingURL=index.js.map` comment lets node --enable-source-maps find it.
    sourcemap: "linked",
    sourcesContent: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    // ESM builds of the SDK tree-shake far better than their CommonJS builds.
    mainFields: ["module", "main"],
    // Licence notices of bundled packages at the end of index.js: measured at under 1 KiB.
    legalComments: "eof",
    charset: "utf8",
    nodePaths: [path.join(root, "node_modules"), ...(options.nodePaths ?? [])],
    external: [...OPTIONAL_PEERS, ...(bundleAwsSdk ? [] : RUNTIME_SDK)],
    plugins: [nodeUrlForWhatwgUrl],
    // Only read for the build cache's list of inputs; never written into the zip.
    metafile: true,
    logLevel: "silent",
  };
  let outputFiles;
  let metafile;
  try {
    ({ outputFiles, metafile } = await build(buildOptions));
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
    const detail = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join("; ");
    throw new BundleError(`esbuild could not bundle functions/${name}: ${detail || (error as Error).message}`, { cause: error });
  }
  const files: ZipEntry[] = [];
  const seen = new Map<string, string>();
  for (const file of outputFiles ?? []) {
    const base = path.basename(file.path);
    if (base.endsWith(".map")) {
      const map = relativeSourceMap(file.text, root);
      map.sources.forEach((source, i) => {
        const text = map.sourcesContent?.[i];
        if (typeof text === "string" && !isPackageSource(source)) seen.set(source, text);
      });
      files.push({ name: base, contents: Buffer.from(JSON.stringify(map)) });
    } else {
      files.push({ name: base, contents: Buffer.from(file.contents) });
    }
  }
  return { files, inputs: Object.keys(metafile?.inputs ?? {}).sort(), seen };
}

/**
 * The build cache: for each function, the hash of every file esbuild read, beside the hash of the
 * zip it made. When none changed, the zip on disk is already what a build would make, and the
 * build is skipped (a build is ~1 s; checking ~900 inputs is ~50 ms). The key covers everything
 * else a build depends on: this script, esbuild, yazl, zlib, the root's package-lock.json,
 * package.json and tsconfig.json, and the options.
 * A stale cache can only come from an input esbuild did not report; `--force` ignores the cache,
 * and CI always starts from a clean `dist/`.
 */
const CACHE_DIR = ".cache";

interface CacheEntry {
  readonly key: string;
  readonly zipSha256: string;
  readonly jsBytes: number;
  /** Input path (as esbuild reports it, relative to the root) -> sha256 of its contents. */
  readonly inputs: Readonly<Record<string, string>>;
}

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

async function cacheKey(root: string, options: BundleOptions): Promise<string> {
  const versionOf = async (pkg: string) =>
    (JSON.parse(await readFile(require.resolve(`${pkg}/package.json`, { paths: [root, __dirname] }), "utf8")) as { version: string }).version;
  // esbuild also reads what its metafile does not list: tsconfig.json ("use strict", paths) and
  // package.json ("sideEffects"); package-lock.json stands for every package's manifest and layout.
  const rootFile = async (name: string) => sha256(await readFile(path.join(root, name)).catch(() => Buffer.alloc(0)));
  return sha256(
    JSON.stringify({
      script: sha256(await readFile(__filename)),
      esbuild: await versionOf("esbuild"),
      yazl: await versionOf("yazl"),
      zlib: process.versions.zlib,
      lock: await rootFile("package-lock.json"),
      packageJson: await rootFile("package.json"),
      tsconfig: await rootFile("tsconfig.json"),
      bundleAwsSdk: options.bundleAwsSdk ?? BUNDLE_AWS_SDK,
      nodePaths: options.nodePaths ?? [],
    }),
  );
}

type Hasher = (file: string) => Promise<string | undefined>;

const hashFile: Hasher = (file) => readFile(file).then(sha256, () => undefined);

/** Hashes each file once however many functions read it (most share the SDK's core). */
function memoHasher(): Hasher {
  const hashes = new Map<string, Promise<string | undefined>>();
  return (file) => {
    let hash = hashes.get(file);
    if (!hash) hashes.set(file, (hash = hashFile(file)));
    return hash;
  };
}

async function hashInputs(root: string, inputs: readonly string[], hasher: Hasher = hashFile): Promise<Record<string, string> | undefined> {
  const hashes = await Promise.all(inputs.map((input) => hasher(path.resolve(root, input))));
  if (hashes.some((hash) => hash === undefined)) return undefined;
  return Object.fromEntries(inputs.map((input, i) => [input, hashes[i]!]));
}

async function cachedZip(root: string, zipPath: string, cachePath: string, key: string, hasher: Hasher): Promise<{ zip: Buffer; jsBytes: number } | undefined> {
  const entry = await readFile(cachePath, "utf8").then(
    (text) => JSON.parse(text) as CacheEntry,
    () => undefined,
  );
  if (!entry || entry.key !== key) return undefined;
  const zip = await readFile(zipPath).catch(() => undefined);
  if (!zip || sha256(zip) !== entry.zipSha256) return undefined;
  const now = await hashInputs(root, Object.keys(entry.inputs), hasher);
  if (!now || Object.entries(entry.inputs).some(([input, hash]) => now[input] !== hash)) return undefined;
  return { zip, jsBytes: entry.jsBytes };
}

/**
 * Records the inputs' hashes as they are now. `seen` holds the text esbuild actually read for our
 * own sources (from the map): if one was edited during the build, no cache is kept, so the next
 * run builds again rather than trusting a zip made from the older text.
 */
async function saveCache(root: string, cachePath: string, entry: Omit<CacheEntry, "inputs">, inputs: readonly string[], seen: ReadonlyMap<string, string>): Promise<void> {
  const hashes = await hashInputs(root, inputs);
  const editedDuringBuild = !hashes || [...seen].some(([source, text]) => source in hashes && hashes[source] !== sha256(text));
  if (editedDuringBuild) return void (await rm(cachePath, { force: true }));
  await writeIfChanged(cachePath, Buffer.from(JSON.stringify({ ...entry, inputs: hashes })));
}

/**
 * esbuild writes sources relative to the output file, i.e. to the root. A package resolved
 * outside the root (through `nodePaths`, or a symlink) would come out as `../../<somewhere>`;
 * such paths are cut to start at their `node_modules/`, so nothing about the machine leaks.
 */
interface SourceMap {
  sources: string[];
  sourcesContent?: (string | null)[];
}

function relativeSourceMap(text: string, root: string): SourceMap {
  const map = JSON.parse(text) as SourceMap;
  map.sources = map.sources.map((source) => {
    const relative = path.relative(root, path.resolve(root, source)).split(path.sep).join("/");
    if (!relative.startsWith("../") && !path.isAbsolute(relative)) return relative;
    const parts = relative.split("/");
    const at = parts.indexOf("node_modules");
    return at >= 0 ? parts.slice(at).join("/") : `external/${parts[parts.length - 1]}`;
  });
  if (!PACKAGE_SOURCES_IN_MAP && map.sourcesContent) {
    map.sourcesContent = map.sourcesContent.map((content, i) => (isPackageSource(map.sources[i]) ? null : content));
  }
  return map;
}

function isPackageSource(source: string): boolean {
  return source.split("/").includes("node_modules");
}

/** A zip whose bytes depend only on the entries: fixed order, time, mode and compression, no extra fields. */
function zipFiles(files: readonly ZipEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on("error", reject);
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      zip.addBuffer(file.contents, file.name, {
        mtime: ZIP_MTIME,
        mode: ZIP_FILE_MODE,
        compressionLevel: ZIP_COMPRESSION_LEVEL,
        forceDosTimestamp: true,
      });
    }
    zip.end();
  });
}

/** Writes through a temporary file and a rename, so a reader never sees half a zip; skips identical bytes. */
async function writeIfChanged(file: string, contents: Buffer): Promise<boolean> {
  const current = await readFile(file).catch(() => undefined);
  if (current?.equals(contents)) return false;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, contents);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return true;
}

/**
 * Reads the entries of a zip this script wrote (stored or deflated, no zip64), checking each
 * CRC-32. For tests and benchmarks: no `unzip` binary needed.
 */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new BundleError("Not a zip: no end-of-central-directory record.");
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new BundleError(`Bad central directory entry ${i}.`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    if (crc32(data) >>> 0 !== crc) throw new BundleError(`CRC mismatch in ${name}.`);
    entries.set(name, data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function kib(bytes: number): string {
  return (bytes / KIB).toFixed(1);
}

const HELP = `Usage: tsx scripts/bundle.ts [--only NAME] [--force] [--help]

Bundles every functions/<name>/handler.ts with esbuild into dist/functions/<name>.zip
(index.js + index.js.map; Lambda handler "index.handler"). Zips are reproducible and rewritten
only when their bytes change. Exits 1 when a zip is over its size budget (default
${kib(DEFAULT_BUDGET_BYTES)} KiB; per-function budgets in BUDGETS in scripts/bundle.ts).

  --only NAME   bundle only functions/NAME
  --force       rebuild even when no input changed since the last build
  --help        print this help
`;

async function main(argv: readonly string[]): Promise<number> {
  let only: string | undefined;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(HELP);
      return 0;
    } else if (arg === "--only" && argv[i + 1] !== undefined && !argv[i + 1].startsWith("-")) {
      only = argv[++i];
    } else if (arg === "--force") {
      force = true;
    } else if (arg.startsWith("--only=")) {
      only = arg.slice("--only=".length);
    } else {
      process.stderr.write(`Unknown or incomplete argument "${arg}".\n\n${HELP}`);
      return 2;
    }
  }
  const root = path.resolve(__dirname, "..");
  const results = await bundleFunctions({ root, only, force });
  if (results.length === 0) process.stdout.write("No functions to bundle: no functions/<name>/handler.ts.\n");
  const width = Math.max(0, ...results.map((r) => r.name.length));
  for (const r of results) {
    const line = [
      r.name.padEnd(width),
      `${kib(r.bytes).padStart(7)} KiB`,
      `/ ${kib(r.budget)} KiB`,
      `sha256 ${r.sha256.slice(0, 12)}`,
      `${String(r.buildMs).padStart(5)} ms`,
      r.cached ? "cached" : r.written ? "written" : "unchanged",
    ].join("  ");
    process.stdout.write(`${line}\n`);
  }
  const failures = budgetFailures(results);
  for (const failure of failures) process.stderr.write(`${failure}\n`);
  return failures.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof BundleError ? error.message : (error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
