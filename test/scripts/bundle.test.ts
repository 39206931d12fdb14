import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { budgetFailures, bundleFunctions, functionNames, readZip, type BundleResult } from "../../scripts/bundle";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "..", "..");
const NODE_MODULES = path.join(REPO, "node_modules");

/** A fake repository: one function using a shared module, one using the real KMS client. */
const SOURCES: Record<string, string> = {
  "functions/shared/greeting.ts": `export function greeting(name: string): string {\n  return \`hello, \${name}\`;\n}\n`,
  "functions/hello/handler.ts": `import { greeting } from "../shared/greeting";\n\nexport async function handler(event: { name: string }) {\n  return { message: greeting(event.name) };\n}\n`,
  "functions/kms-info/handler.ts":
    `import { KMSClient } from "@aws-sdk/client-kms";\n\n` +
    `const kms = new KMSClient({ region: process.env.AWS_REGION });\n\n` +
    `export async function handler() {\n  return { region: await kms.config.region(), client: kms.constructor.name };\n}\n`,
};

async function writeFakeRepo(root: string): Promise<void> {
  for (const [file, text] of Object.entries(SOURCES)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

interface CentralEntry {
  readonly name: string;
  readonly dosTime: number;
  readonly dosDate: number;
  readonly extraLength: number;
  readonly mode: number;
}

/** The central directory as written, to check the fields that make a zip reproducible. */
function centralDirectory(zip: Buffer): CentralEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries: CentralEntry[] = [];
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10); i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    entries.push({
      name: zip.toString("utf8", at + 46, at + 46 + nameLength),
      dosTime: zip.readUInt16LE(at + 12),
      dosDate: zip.readUInt16LE(at + 14),
      extraLength,
      mode: zip.readUInt32LE(at + 38) >>> 16,
    });
    at += 46 + nameLength + extraLength + zip.readUInt16LE(at + 32);
  }
  return entries;
}

describe("scripts/bundle", () => {
  let root: string;
  let first: BundleResult[];

  const zipOf = (name: string) => readFile(path.join(root, "dist", `${name}.zip`));
  const byName = (results: readonly BundleResult[], name: string) => results.find((r) => r.name === name)!;

  before(async () => {
    root = await realpath(await mkdtemp(path.join(os.tmpdir(), "bundle-test-")));
    await writeFakeRepo(root);
    first = await bundleFunctions({ root, outDir: path.join(root, "dist"), nodePaths: [NODE_MODULES] });
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("lists the function folders, not shared", () => {
    expect(functionNames(root)).to.deep.equal(["hello", "kms-info"]);
  });

  it("writes a zip holding exactly index.js and index.js.map, in that order", async () => {
    expect(first.map((r) => r.name)).to.deep.equal(["hello", "kms-info"]);
    for (const name of ["hello", "kms-info"]) {
      const zip = await zipOf(name);
      expect([...readZip(zip).keys()]).to.deep.equal(["index.js", "index.js.map"]);
      expect(byName(first, name).bytes).to.equal(zip.length);
    }
  });

  it("fixes every entry's time to 1980-01-01 00:00, its mode to 0644 and adds no extra field", async () => {
    const entries = centralDirectory(await zipOf("kms-info"));
    for (const entry of entries) {
      expect(entry, entry.name).to.include({ dosTime: 0, dosDate: (0 << 9) | (1 << 5) | 1, extraLength: 0, mode: 0o100644 });
    }
  });

  it("gives byte-identical zips when built again, and leaves the files untouched", async () => {
    const before = await stat(path.join(root, "dist", "kms-info.zip"));
    const again = await bundleFunctions({ root, outDir: path.join(root, "dist"), nodePaths: [NODE_MODULES], force: true });
    for (const name of ["hello", "kms-info"]) {
      expect(byName(again, name)).to.include({ sha256: byName(first, name).sha256, cached: false, written: false });
    }
    expect((await stat(path.join(root, "dist", "kms-info.zip"))).mtimeMs).to.equal(before.mtimeMs);
  });

  it("skips the build when no input changed, and rebuilds when one did", async () => {
    const dist = path.join(root, "dist");
    const cached = await bundleFunctions({ root, outDir: dist, nodePaths: [NODE_MODULES] });
    expect(cached.map((r) => [r.name, r.cached, r.sha256])).to.deep.equal(first.map((r) => [r.name, true, r.sha256]));

    const shared = path.join(root, "functions/shared/greeting.ts");
    await writeFile(shared, SOURCES["functions/shared/greeting.ts"].replace("hello", "hi"));
    try {
      const changed = await bundleFunctions({ root, outDir: dist, nodePaths: [NODE_MODULES] });
      expect(byName(changed, "hello")).to.include({ cached: false, written: true });
      expect(byName(changed, "hello").sha256).to.not.equal(byName(first, "hello").sha256);
      expect(byName(changed, "kms-info")).to.include({ cached: true, sha256: byName(first, "kms-info").sha256 });
    } finally {
      await writeFile(shared, SOURCES["functions/shared/greeting.ts"]);
    }
    const restored = await bundleFunctions({ root, outDir: dist, nodePaths: [NODE_MODULES] });
    expect(byName(restored, "hello")).to.include({ cached: false, sha256: byName(first, "hello").sha256 });
  });

  it("gives the same bytes in another time zone, from another directory", async () => {
    const elsewhere = await realpath(await mkdtemp(path.join(os.tmpdir(), "bundle-test-tz-")));
    try {
      await cp(path.join(root, "functions"), path.join(elsewhere, "functions"), { recursive: true });
      const script =
        `require(${JSON.stringify(path.join(REPO, "scripts", "bundle.ts"))})` +
        `.bundleFunctions({ root: ${JSON.stringify(elsewhere)}, nodePaths: [${JSON.stringify(NODE_MODULES)}] })` +
        `.then((r) => console.log(JSON.stringify(r.map((x) => [x.name, x.sha256]))))`;
      const { stdout } = await run(process.execPath, ["--require", "tsx/cjs", "-e", script], {
        cwd: REPO,
        env: { ...process.env, TZ: "Pacific/Auckland" },
      });
      expect(Object.fromEntries(JSON.parse(stdout) as [string, string][])).to.deep.equal(
        Object.fromEntries(first.map((r) => [r.name, r.sha256])),
      );
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it("produces handlers that load and run from the unzipped folder alone", async () => {
    const answers: Record<string, unknown> = {};
    for (const name of ["hello", "kms-info"]) {
      const dir = path.join(root, "unzipped", name);
      await mkdir(dir, { recursive: true });
      for (const [file, contents] of readZip(await zipOf(name))) await writeFile(path.join(dir, file), contents);
      const script = `require("./index.js").handler({ name: "bundle" }).then((r) => console.log(JSON.stringify(r)))`;
      const { stdout } = await run(process.execPath, ["--enable-source-maps", "-e", script], {
        cwd: dir,
        env: { PATH: process.env.PATH, AWS_REGION: "eu-west-3", NODE_PATH: "" },
      });
      answers[name] = JSON.parse(stdout);
    }
    expect(answers).to.deep.equal({
      hello: { message: "hello, bundle" },
      // keepNames: the minified class still knows its name.
      "kms-info": { region: "eu-west-3", client: "KMSClient" },
    });
  });

  it("writes repository-relative map sources, with our own code's text and no package text", async () => {
    const map = JSON.parse(readZip(await zipOf("hello")).get("index.js.map")!.toString("utf8")) as { sources: string[]; sourcesContent: (string | null)[] };
    expect(Object.fromEntries(map.sources.map((source, i) => [source, map.sourcesContent[i]]))).to.deep.equal({
      "functions/shared/greeting.ts": SOURCES["functions/shared/greeting.ts"],
      "functions/hello/handler.ts": SOURCES["functions/hello/handler.ts"],
    });

    const kmsMap = JSON.parse(readZip(await zipOf("kms-info")).get("index.js.map")!.toString("utf8")) as { sources: string[]; sourcesContent: (string | null)[] };
    kmsMap.sources.forEach((source, i) => {
      expect(source).to.match(/^(functions|node_modules)\//);
      expect(kmsMap.sourcesContent[i] === null).to.equal(source.startsWith("node_modules/"), source);
    });
  });

  it("leaves no path of this machine in index.js or the map", async () => {
    const machinePaths = [root, REPO, os.homedir()].filter((p) => p.length > 1);
    for (const name of ["hello", "kms-info"]) {
      for (const [file, contents] of readZip(await zipOf(name))) {
        const text = contents.toString("utf8");
        for (const machinePath of machinePaths) expect(text.includes(machinePath), `${name}/${file} holds ${machinePath}`).to.equal(false);
      }
    }
  });

  it("reports a zip over its budget in one sentence", async () => {
    const results = await bundleFunctions({ root, outDir: path.join(root, "dist-budget"), only: "hello", budgets: { hello: 100 } });
    expect(results.map((r) => [r.name, r.overBudget])).to.deep.equal([["hello", true]]);
    expect(budgetFailures(results)).to.have.length(1);
    expect(budgetFailures(results)[0]).to.match(/^hello\.zip is \d+\.\d KiB, over its budget of 0\.1 KiB: .*BUDGETS in scripts\/bundle\.ts/);
    expect(budgetFailures(first)).to.deep.equal([]);
  });

  it("names the functions there are when --only names none", async () => {
    let error: unknown;
    await bundleFunctions({ root, only: "nope" }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.equal('There is no function "nope": expected functions/nope/handler.ts. Functions: hello, kms-info.');
  });
});
