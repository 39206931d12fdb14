/** Terminal output of the redshift-agent CLI: plain tables, colours only on a TTY (and never with NO_COLOR). */
import { styleText } from "node:util";
import type { AgentResponse, ClusterSummary, MigrationAssessment, Severity } from "../../../functions/shared/contracts/redshift-agent";

export type Paint = (style: "red" | "yellow" | "cyan" | "gray" | "bold", text: string) => string;

export function painter(colour: boolean): Paint {
  return colour ? (style, text) => styleText(style, text) : (_style, text) => text;
}

/** Left-aligned columns separated by two spaces; the header is bold. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], paint: Paint): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [paint("bold", line(header)), ...rows.map(line)].join("\n");
}

export function clustersTable(clusters: readonly ClusterSummary[], paint: Paint): string {
  return table(
    ["CLUSTER", "STATUS", "NODES", "NODE TYPE", "ENCRYPTED", "PUBLIC", "CREATED"],
    clusters.map((c) => [c.clusterId, c.status, String(c.numberOfNodes), c.nodeType, c.encrypted ? "yes" : paint("red", "no"), c.publiclyAccessible ? paint("red", "yes") : "no", c.createdAt?.slice(0, 10) ?? ""]),
    paint,
  );
}

const SEVERITY_STYLE: Record<Severity, Parameters<Paint>[0]> = { high: "red", medium: "yellow", low: "cyan", info: "gray" };

export function assessmentReport(a: MigrationAssessment, paint: Paint): string {
  const lines = [
    paint("bold", `${a.clusterId} (${a.region}) → Redshift Serverless: ${a.readiness.replace("_", " ")}`),
    a.suggestedBaseRpu === undefined ? `Base RPU: no suggestion. ${a.sizing}` : `Suggested base RPU: ${a.suggestedBaseRpu}. ${a.sizing}`,
    "",
    paint("bold", "Carries over"),
    ...a.carriesOver.map((c) => `  - ${c}`),
    "",
    paint("bold", "Needs action"),
    ...(a.needsAction.length === 0 ? ["  nothing"] : a.needsAction.map((n) => `  ${paint(SEVERITY_STYLE[n.severity], n.severity.toUpperCase().padEnd(6))} ${n.topic}: ${n.detail}${n.action ? `\n         → ${n.action}` : ""}`)),
  ];
  return lines.join("\n");
}

/** Any answer in table mode: structured where there is a table for it, else the agent's text. */
export function answerTable(answer: AgentResponse, paint: Paint): string {
  const notes = (answer.data.notes ?? []).map((n) => paint("yellow", `Note: ${n}`));
  const prefix = notes.length ? `${notes.join("\n")}\n\n` : "";
  if (answer.data.intent === "list_clusters") {
    const body = answer.data.clusters.length === 0 ? `No provisioned Redshift clusters in ${answer.data.region}.` : clustersTable(answer.data.clusters, paint);
    return prefix + body;
  }
  if (answer.data.intent === "assess_migration") return prefix + assessmentReport(answer.data.assessment, paint);
  return answer.response;
}
