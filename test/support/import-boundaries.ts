/**
 * The import boundaries of docs/ARCHITECTURE.md, checked from the source: every import of every
 * .ts file under functions/, stacks/, scripts/ and main.ts is resolved and judged. Used by
 * test/architecture.test.ts on the repository and on planted violations.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

export interface Violation {
  readonly file: string;
  readonly imported: string;
  readonly rule: string;
}

const SCANNED = ["functions", "stacks", "scripts", "main.ts"];
const IMPORT = /(?:^|[^.\w])(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']|(?:^|[^.\w])import\s*["']([^"']+)["']|(?:require|import)\(\s*["']([^"']+)["']\s*\)/gm;

function filesUnder(root: string, entry: string): string[] {
  const path = join(root, entry);
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return [];
  }
  if (stat.isFile()) return path.endsWith(".ts") ? [entry] : [];
  return readdirSync(path).flatMap((name) => (name === "node_modules" ? [] : filesUnder(root, join(entry, name))));
}

/** The import specifiers of a source text (comments stripped). */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  for (const m of code.matchAll(IMPORT)) found.push((m[1] ?? m[2] ?? m[3])!);
  return found;
}

/** Where an import points: a repo-relative path (posix, without extension) or a package name. */
function target(file: string, spec: string): { kind: "file"; path: string } | { kind: "package"; name: string } {
  if (!spec.startsWith(".")) return { kind: "package", name: spec };
  return { kind: "file", path: join(dirname(file), spec).split(sep).join("/") };
}

const isCdktf = (name: string) => name === "cdktf" || name === "constructs" || name.startsWith("@cdktf/") || name.startsWith("cdktf/");
/** The function folder a path is in (`functions/<name>/...`), or undefined for shared code and anything else. */
const functionFolder = (path: string) => /^functions\/([^/]+)\//.exec(path)?.[1];

/** Judges one import of one file against every rule. */
function judge(file: string, spec: string): string[] {
  const t = target(file, spec);
  const rules: string[] = [];
  const inFunctions = file.startsWith("functions/");
  const ownFunction = functionFolder(file);
  if (t.kind === "package") {
    if (t.name === "@cdktf/provider-aws" || t.name === "@cdktf/provider-aws/lib" || t.name === "@cdktf/provider-aws/lib/index") rules.push("no barrel import of @cdktf/provider-aws (use @cdktf/provider-aws/lib/<resource>)");
    if (isCdktf(t.name) && !file.startsWith("stacks/") && file !== "main.ts") rules.push("cdktf and constructs are imported only inside stacks/ and main.ts");
    if (file.startsWith("functions/shared/contracts/") && t.name !== "zod" && !t.name.startsWith("zod/")) rules.push("contracts import only zod");
    // Node built-ins without I/O side effects (node:net isIP) keep it pure; packages (SDK, env readers) do not.
    if (file.startsWith("functions/shared/iam-policy/") && !t.name.startsWith("node:")) rules.push("the IAM policy engine is pure: no packages");
    return rules;
  }
  const path = t.path;
  if (inFunctions && (path.startsWith("stacks/") || path === "main")) rules.push("functions never import stacks or constructs");
  if (file.startsWith("stacks/") && path.startsWith("functions/") && !path.startsWith("functions/shared/contracts/") && !path.startsWith("functions/shared/iam-policy/")) {
    rules.push("stacks import only contracts and pure shared analysis (iam-policy), never function code");
  }
  const other = functionFolder(path);
  if (ownFunction && ownFunction !== "shared" && other && other !== "shared" && other !== ownFunction) rules.push("a function never imports another function's folder");
  if (ownFunction === "shared" && other && other !== "shared") rules.push("shared code never imports a function's folder");
  if (file.startsWith("scripts/cli/") && other && other !== "shared") rules.push("CLIs import contracts and functions/shared only, never a function's folder");
  if (file.startsWith("functions/shared/contracts/")) rules.push("contracts import only zod");
  if (file.startsWith("functions/shared/platform/") && path.startsWith("functions/") && !path.startsWith("functions/shared/platform/")) rules.push("the platform layer never imports a subsystem");
  if (file.startsWith("functions/shared/iam-policy/") && !path.startsWith("functions/shared/iam-policy/") && path !== "functions/shared/platform/errors") {
    rules.push("the IAM policy engine is pure: it imports only itself (and the platform's error classes)");
  }
  return rules;
}

/** Every boundary crossed under `root`. */
export function checkImportBoundaries(root: string): Violation[] {
  const violations: Violation[] = [];
  for (const file of SCANNED.flatMap((entry) => filesUnder(root, entry)).map((f) => f.split(sep).join("/"))) {
    for (const spec of importsOf(readFileSync(resolve(root, file), "utf8"))) {
      for (const rule of judge(file, spec)) violations.push({ file, imported: spec, rule });
    }
  }
  return violations;
}

/** One line per violation, for assertion messages. */
export function describeViolations(violations: readonly Violation[], root = ""): string {
  return violations.map((v) => `${relative(root, v.file) || v.file}: imports ${v.imported} (${v.rule})`).join("\n");
}
