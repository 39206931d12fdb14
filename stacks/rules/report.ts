/**
 * How `npm run check:iac` shows findings: a rules × resources table per stack and environment,
 * JSON, or SARIF 2.1.0 for code-scanning tools. Pure formatting.
 */
import type { Finding } from "./evaluate";
import type { AcceptedRisk } from "./exceptions";
import type { Rule } from "./rule";

export interface StaleException {
  readonly exception: AcceptedRisk;
  readonly problem: string;
}

export interface Report {
  readonly findings: readonly Finding[];
  readonly stale: readonly StaleException[];
}

export type Outcome = "PASS" | "FAIL" | "WARN" | "EXCEPTED" | "N/A";

export function outcomeOf(f: Finding): Outcome {
  if (f.status === "compliant") return "PASS";
  if (f.status === "not-applicable") return "N/A";
  if (f.exception) return "EXCEPTED";
  return f.level === "error" ? "FAIL" : "WARN";
}

export function summarize(report: Report): Record<Outcome, number> & { stale: number } {
  const counts = { PASS: 0, FAIL: 0, WARN: 0, EXCEPTED: 0, "N/A": 0, stale: report.stale.length };
  for (const f of report.findings) counts[outcomeOf(f)] += 1;
  return counts;
}

/** Whether the check fails: a violation or a stale exception. */
export const reportFails = (report: Report) => report.stale.length > 0 || report.findings.some((f) => outcomeOf(f) === "FAIL");

/** Plain-text table: for each environment and stack, one row per resource and rule that applies. */
export function formatTable(report: Report, options: { colour?: boolean; onlyProblems?: boolean } = {}): string {
  const paint = (outcome: Outcome) => {
    if (!options.colour) return outcome.padEnd(8);
    const code = { PASS: 32, FAIL: 31, WARN: 33, EXCEPTED: 36, "N/A": 90 }[outcome];
    return `\x1b[${code}m${outcome.padEnd(8)}\x1b[0m`;
  };
  const lines: string[] = [];
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = `${f.environment ?? "-"}\u0000${f.stack}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [key, findings] of groups) {
    const [environment, stack] = key.split("\u0000");
    const shown = findings.filter((f) => !options.onlyProblems || !["PASS", "N/A"].includes(outcomeOf(f)));
    const s = summarize({ findings, stale: [] });
    lines.push(`${stack} (${environment}): ${s.PASS} pass, ${s.FAIL} fail, ${s.WARN} warn, ${s.EXCEPTED} excepted, ${s["N/A"]} n/a`);
    if (shown.length === 0) continue;
    const pathWidth = Math.min(60, Math.max(...shown.map((f) => f.path.length)));
    const ruleWidth = Math.max(...shown.map((f) => f.rule.length));
    lines.push(`  ${"result".padEnd(8)}  ${"resource".padEnd(pathWidth)}  ${"rule".padEnd(ruleWidth)}  message`);
    const sorted = [...shown].sort((a, b) => (a.path === b.path ? a.rule.localeCompare(b.rule) : a.path.localeCompare(b.path)));
    for (const f of sorted) {
      const reason = f.exception && f.exception.reason.length > 100 ? `${f.exception.reason.slice(0, 97)}...` : f.exception?.reason;
      const message = f.exception ? `${f.message} [accepted by ${f.exception.acceptedBy}: ${reason}]` : f.message;
      lines.push(`  ${paint(outcomeOf(f))}  ${f.path.padEnd(pathWidth)}  ${f.rule.padEnd(ruleWidth)}  ${message}`);
    }
    lines.push("");
  }
  for (const s of report.stale) lines.push(`STALE EXCEPTION  ${s.exception.rule} ${s.exception.resource}: ${s.problem}`);
  const total = summarize(report);
  lines.push(`Total: ${total.PASS} pass, ${total.FAIL} fail, ${total.WARN} warn, ${total.EXCEPTED} excepted, ${total["N/A"]} n/a, ${total.stale} stale exception(s)`);
  return lines.join("\n");
}

export function formatJson(report: Report): string {
  return JSON.stringify({ summary: summarize(report), fails: reportFails(report), findings: report.findings.map((f) => ({ ...f, outcome: outcomeOf(f) })), staleExceptions: report.stale }, null, 2);
}

/**
 * SARIF 2.1.0: one run, the rule catalogue as the driver's rules, one result per non-compliant
 * finding (excepted ones carry an accepted suppression with the reason). Locations point at the
 * synthesized stack file and name the construct path as the logical location.
 */
export function formatSarif(report: Report, rules: readonly Rule[], outdir = "cdktf.out"): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.findings
    .filter((f) => f.status === "non-compliant")
    .map((f) => ({
      ruleId: f.rule,
      ruleIndex: index.get(f.rule),
      level: f.level === "error" ? "error" : "warning",
      message: { text: `${f.path}: ${f.message}` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: `${outdir}/stacks/${f.stack}/cdk.tf.json` } },
          logicalLocations: [{ fullyQualifiedName: f.path, kind: "resource", name: f.address }],
        },
      ],
      partialFingerprints: { constructPath: `${f.rule}:${f.path}` },
      properties: { environment: f.environment, stack: f.stack, resourceType: f.type },
      ...(f.exception ? { suppressions: [{ kind: "external", status: "accepted", justification: `${f.exception.reason} (accepted by ${f.exception.acceptedBy})` }] } : {}),
    }));
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "cloud-security-platform guardrails",
            informationUri: "docs/guardrails.md",
            rules: rules.map((r) => ({
              id: r.id,
              shortDescription: { text: r.expects },
              fullDescription: { text: r.why },
              help: { text: r.fix },
              defaultConfiguration: { level: r.level === "error" ? "error" : "warning" },
              properties: { resourceTypes: r.resourceTypes },
            })),
          },
        },
        results,
        ...(report.stale.length
          ? { invocations: [{ executionSuccessful: false, toolExecutionNotifications: report.stale.map((s) => ({ level: "error", message: { text: `stale exception ${s.exception.rule} ${s.exception.resource}: ${s.problem}` } })) }] }
          : { invocations: [{ executionSuccessful: true }] }),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}

/** The rule catalogue as a Markdown table (docs/guardrails.md embeds it; a test keeps them equal). */
export function formatCatalogue(rules: readonly Rule[]): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
  return [
    "| Rule | Level | Resources | Expects | Why | Fix |",
    "|---|---|---|---|---|---|",
    ...rules.map((r) => `| \`${r.id}\` | ${r.level} | ${r.resourceTypes.map((t) => `\`${t}\``).join(", ")} | ${cell(r.expects)} | ${cell(r.why)} | ${cell(r.fix)} |`),
  ].join("\n");
}
