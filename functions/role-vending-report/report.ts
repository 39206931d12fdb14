/** The daily active-grant report: JSON and CSV in the private report bucket (latest and one per day). */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { REPORT_KEYS, type Grant, type Report } from "../shared/contracts/role-vending-api";
import { roleQuota } from "../shared/role-vending/roles";
import type { VendorDeps } from "../shared/role-vending/deps";

export type ReportDeps = Pick<VendorDeps, "store" | "iam" | "logger" | "now"> & { readonly s3: S3Client; readonly bucket: string };

const CSV_COLUMNS = ["id", "projectId", "requester", "tier", "start", "end", "approver", "roleArn", "reason"] as const;

function csvCell(value: unknown): string {
  const s = value === undefined ? "" : String(value);
  // Quote everything that could break a row, and defuse spreadsheet formulas.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(grants: readonly Grant[]): string {
  return [CSV_COLUMNS.join(","), ...grants.map((g) => CSV_COLUMNS.map((c) => csvCell(g[c])).join(","))].join("\n") + "\n";
}

export async function buildReport(deps: Pick<ReportDeps, "store" | "iam" | "now" | "logger">): Promise<Report> {
  const now = deps.now();
  const active = await deps.store.listByStatus("ACTIVE", { endingAfter: now.toISOString() });
  const count = (key: (g: Grant) => string) => active.reduce<Record<string, number>>((acc, g) => ({ ...acc, [key(g)]: (acc[key(g)] ?? 0) + 1 }), {});
  let quota: Report["roleQuota"];
  try {
    quota = await roleQuota(deps.iam);
  } catch (error) {
    deps.logger.warn("role quota unreadable for the report", { error: error as Error });
  }
  return { generatedAt: now.toISOString(), activeGrants: active, counts: { byTier: count((g) => g.tier), byProject: count((g) => g.projectId) }, ...(quota ? { roleQuota: quota } : {}) };
}

export async function writeReport(deps: ReportDeps): Promise<{ report: Report; keys: string[] }> {
  const report = await buildReport(deps);
  const day = report.generatedAt.slice(0, 10);
  const json = JSON.stringify(report, null, 2);
  const csv = toCsv(report.activeGrants);
  const objects: [string, string, string][] = [
    [`reports/${day}.json`, json, "application/json"],
    [`reports/${day}.csv`, csv, "text/csv"],
    [REPORT_KEYS.latestJson, json, "application/json"],
    [REPORT_KEYS.latestCsv, csv, "text/csv"],
  ];
  for (const [Key, Body, ContentType] of objects) await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key, Body, ContentType }));
  deps.logger.info("report written", { activeGrants: report.activeGrants.length, day });
  return { report, keys: objects.map(([k]) => k) };
}
