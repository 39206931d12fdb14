/**
 * `audit buckets --output html`: one self-contained page (inline CSS, no scripts, no external
 * assets) with a summary by severity, then, per bucket, the failed checks and their remediation.
 * Every value from AWS (bucket names, reasons) is HTML-escaped.
 */
import { type CheckMetadata, type CheckResult, SEVERITY_ORDER, type Severity } from "../../../functions/shared/cspm/check";
import type { S3AuditReport } from "../../../functions/shared/cspm/audit-types";

function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Only http(s) links are rendered as links; anything else is shown as text. */
function safeUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\//i.test(url) ? url : undefined;
}

const SEVERITIES_DESC = [...SEVERITY_ORDER].reverse();

export interface SeveritySummary {
  readonly failedBySeverity: Readonly<Record<Severity, number>>;
  readonly passed: number;
  readonly failed: number;
  readonly warning: number;
  readonly notAvailable: number;
  readonly notApplicable: number;
}

/** The result's own severity, else its check's, else INFORMATIONAL. */
export function effectiveSeverity(r: CheckResult, lookup: (id: string) => CheckMetadata | undefined): Severity {
  return r.severity ?? lookup(r.checkId)?.severity ?? "INFORMATIONAL";
}

export function summarize(report: S3AuditReport, lookup: (id: string) => CheckMetadata | undefined): SeveritySummary {
  const failedBySeverity = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  const counts = { passed: 0, failed: 0, warning: 0, notAvailable: 0, notApplicable: 0 };
  for (const r of [...report.account.results, ...report.buckets.flatMap((b) => b.results)]) {
    if (r.status === "FAILED") {
      counts.failed++;
      failedBySeverity[effectiveSeverity(r, lookup)]++;
    } else if (r.status === "PASSED") counts.passed++;
    else if (r.status === "WARNING") counts.warning++;
    else if (r.status === "NOT_AVAILABLE") counts.notAvailable++;
    else counts.notApplicable++;
  }
  return { failedBySeverity, ...counts };
}

function findingRow(r: CheckResult, lookup: (id: string) => CheckMetadata | undefined): string {
  const m = lookup(r.checkId);
  const severity = effectiveSeverity(r, lookup);
  const url = safeUrl(m?.remediation.url);
  const remediation = m ? `<p class="fix"><strong>Remediation:</strong> ${escapeHtml(m.remediation.text)}${url ? ` <a href="${escapeHtml(url)}">Security Hub ${escapeHtml(m.securityHubControl ?? "")}</a>` : ""}</p>` : "";
  return `<li class="finding ${r.status === "FAILED" ? `sev-${severity.toLowerCase()}` : "na"}">
<div><span class="badge">${escapeHtml(r.status === "FAILED" ? severity : r.status.replace("_", " "))}</span> <span class="control">${escapeHtml(m?.securityHubControl ?? "")}</span> <strong>${escapeHtml(m?.title ?? r.checkId)}</strong></div>
<p>${escapeHtml(r.reason)}${r.errorCode ? ` <code>${escapeHtml(r.errorCode)}</code>` : ""}</p>
${r.status === "FAILED" || r.status === "WARNING" ? remediation : ""}
</li>`;
}

const severityRank = (s: Severity) => SEVERITY_ORDER.indexOf(s);

function section(title: string, subtitle: string, results: readonly CheckResult[], lookup: (id: string) => CheckMetadata | undefined): string {
  const shown = results
    .filter((r) => r.status === "FAILED" || r.status === "WARNING" || r.status === "NOT_AVAILABLE")
    .sort((a, b) => (a.status === "FAILED" ? 0 : 1) - (b.status === "FAILED" ? 0 : 1) || severityRank(effectiveSeverity(b, lookup)) - severityRank(effectiveSeverity(a, lookup)));
  if (shown.length === 0) return "";
  return `<section class="resource"><h2>${escapeHtml(title)} <small>${escapeHtml(subtitle)}</small></h2><ul>${shown.map((r) => findingRow(r, lookup)).join("\n")}</ul></section>`;
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin:0 0 .5rem}h2 small{font-weight:normal;color:#57606a}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .8rem;text-align:left}td.n{text-align:right}
.resource{border:1px solid #d0d7de;border-radius:6px;padding:1rem;margin:1rem 0}
ul{list-style:none;padding:0;margin:0}.finding{border-left:4px solid #8c959f;padding:.3rem .8rem;margin:.5rem 0}
.finding p{margin:.3rem 0}.fix{color:#333}.badge{font-size:.75rem;font-weight:bold;padding:.1rem .4rem;border-radius:4px;background:#eaeef2}
.sev-critical{border-color:#a40e26}.sev-critical .badge{background:#a40e26;color:#fff}.sev-high{border-color:#d1242f}.sev-high .badge{background:#d1242f;color:#fff}
.sev-medium{border-color:#bf8700}.sev-medium .badge{background:#bf8700;color:#fff}.sev-low{border-color:#0969da}.sev-low .badge{background:#0969da;color:#fff}
.control{color:#57606a;font-family:ui-monospace,monospace}code{background:#f6f8fa;padding:0 .2rem}.meta{color:#57606a}
`;

export function renderHtmlReport(report: S3AuditReport, lookup: (id: string) => CheckMetadata | undefined): string {
  const summary = summarize(report, lookup);
  const summaryRows = SEVERITIES_DESC.map((s) => `<tr><th scope="row">${s}</th><td class="n">${summary.failedBySeverity[s]}</td></tr>`).join("");
  const account = section(`Account ${report.accountId}`, `account-level settings, ${report.account.region}`, report.account.results, lookup);
  const buckets = report.buckets.map((b) => section(b.bucket, b.region, b.results, lookup)).filter((s) => s !== "");
  const deleted = report.deletedBuckets.length > 0 ? `<p class="meta">Not audited (deleted during the scan or not found): ${report.deletedBuckets.map(escapeHtml).join(", ")}</p>` : "";
  const errors =
    report.errors.length > 0
      ? `<section class="resource"><h2>Scan errors</h2><ul>${report.errors.map((e) => `<li>${escapeHtml(e.bucket ?? "")} <code>${escapeHtml(e.code)}</code> ${escapeHtml(e.message)}</li>`).join("")}</ul></section>`
      : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>S3 audit – account ${escapeHtml(report.accountId)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>S3 audit – account ${escapeHtml(report.accountId)}</h1>
<p class="meta">${report.buckets.length} bucket(s) audited from ${escapeHtml(report.startedAt)} to ${escapeHtml(report.finishedAt)}; ${report.apiCalls} AWS API calls.</p>
<section id="summary">
<h2>Summary</h2>
<table><caption>Failed checks by severity</caption><thead><tr><th>Severity</th><th>Failed</th></tr></thead><tbody>${summaryRows}</tbody></table>
<p id="totals">${summary.failed} failed, ${summary.warning} warning, ${summary.notAvailable} not available, ${summary.passed} passed, ${summary.notApplicable} not applicable.</p>
</section>
${deleted}
${errors}
${account}
${buckets.length > 0 ? buckets.join("\n") : `<p>No bucket has failed checks.</p>`}
</body>
</html>
`;
}
