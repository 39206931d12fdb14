/**
 * secretlint over files: the recommended preset (which bundles the AWS, private-key, GitHub, npm,
 * Slack, basic-auth, database-connection-string … rules) with the AWS and private-key rules
 * configured explicitly. Findings are
 * reported with their rule, file and line; the matched text is masked.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export interface SecretFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  /** secretlint's message with the secret masked. */
  readonly message: string;
}

/** Keys AWS publishes in its documentation and SigV4 test suite; they sign nothing. */
export const AWS_DOCUMENTED_EXAMPLE_KEYS = ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"];

const SKIP_DIRS = new Set(["node_modules", ".git", "dist", "cdktf.out", ".terraform", ".plan", ".bench", ".gen"]);
const MAX_BYTES = 2 * 1024 * 1024;

/** Every file under a directory (skipping build output and dependencies), or the file itself. */
function walk(path: string, out: string[]): void {
  const stat = statSync(path);
  if (stat.isFile()) {
    out.push(path);
    return;
  }
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory() && SKIP_DIRS.has(entry.name)) continue;
    walk(join(path, entry.name), out);
  }
}

/** The repository's tracked and untracked-but-not-ignored files; a plain walk outside git. */
export function repositoryFiles(root: string): string[] {
  try {
    const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, maxBuffer: 64 * 1024 * 1024 }).toString("utf8");
    return listed
      .split("\0")
      .filter(Boolean)
      .map((f) => join(root, f))
      .filter((f) => existsSync(f));
  } catch {
    const out: string[] = [];
    walk(root, out);
    return out;
  }
}

export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`No such file or directory: ${p}`);
    walk(resolve(p), out);
  }
  return out;
}

export async function scanFiles(files: readonly string[], root: string): Promise<SecretFinding[]> {
  const { lintSource } = await import("@secretlint/core");
  const { creator: recommended } = await import("@secretlint/secretlint-rule-preset-recommend");
  const config = {
    rules: [
      {
        id: "@secretlint/secretlint-rule-preset-recommend",
        rule: recommended,
        // The preset carries both rules; named here so they are configured explicitly. Account ids are
        // not secrets (enableIDScanRule stays off); AWS's documented example keys (SigV4 test suite)
        // are the only values allowed.
        rules: [
          { id: "@secretlint/secretlint-rule-aws", options: { enableIDScanRule: false, allows: AWS_DOCUMENTED_EXAMPLE_KEYS } },
          { id: "@secretlint/secretlint-rule-privatekey", options: {} },
        ],
      },
    ],
  };
  const findings: SecretFinding[] = [];
  for (const file of [...new Set(files)].sort()) {
    const buffer = readFileSync(file);
    if (buffer.length > MAX_BYTES || buffer.includes(0)) continue; // binary or generated
    const content = buffer.toString("utf8");
    const result = await lintSource({ source: { filePath: file, content, contentType: "text" }, options: { config, maskSecrets: true } });
    for (const m of result.messages) {
      const line = content.slice(0, m.range[0]).split("\n").length;
      const column = m.range[0] - content.lastIndexOf("\n", m.range[0] - 1);
      findings.push({ file: relative(root, file) || file, line, column, rule: m.ruleId, message: m.message });
    }
  }
  return findings;
}
