/** How `iam-role-vendor` prints credentials, grants and reports; colours only on a TTY. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Grant } from "../../../functions/shared/contracts/role-vending-api";
import type { Credentials } from "./credentials";

export const OUTPUT_FORMATS = ["env", "aws-config", "json", "credential-process"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function envFormat(c: Credentials): string {
  return (
    [
      `export AWS_ACCESS_KEY_ID=${shellQuote(c.AccessKeyId)}`,
      `export AWS_SECRET_ACCESS_KEY=${shellQuote(c.SecretAccessKey)}`,
      ...(c.SessionToken ? [`export AWS_SESSION_TOKEN=${shellQuote(c.SessionToken)}`] : []),
      ...(c.Expiration ? [`export AWS_CREDENTIAL_EXPIRATION=${shellQuote(c.Expiration)}`] : []),
    ].join("\n") + "\n"
  );
}

/** The AWS CLI credential_process answer: Version 1 with Expiration, so SDKs refresh in time. */
export function credentialProcessFormat(c: Credentials): string {
  return JSON.stringify({ Version: 1, AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration }) + "\n";
}

export function jsonFormat(grant: Grant, c: Credentials): string {
  return JSON.stringify({ grant, credentials: c }, null, 2) + "\n";
}

/**
 * Writes (or replaces) `[profile <name>]` in the AWS config file with a credential_process line
 * that calls this CLI, so every `aws --profile <name>` gets fresh credentials until the grant ends.
 */
export function writeAwsConfigProfile(file: string, profile: string, command: string, region: string): string {
  const section = `[profile ${profile}]\ncredential_process = ${command}\nregion = ${region}\n`;
  const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
  const header = `[profile ${profile}]`;
  const lines = existing.split("\n");
  const start = lines.findIndex((l) => l.trim() === header);
  let next: string;
  if (start < 0) next = (existing.trimEnd() ? existing.trimEnd() + "\n\n" : "") + section;
  else {
    let end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
    if (end < 0) end = lines.length;
    next = [...lines.slice(0, start), ...section.trimEnd().split("\n"), "", ...lines.slice(end)].join("\n").replace(/\n{3,}/g, "\n\n");
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, next.endsWith("\n") ? next : next + "\n", { mode: 0o600 });
  return section;
}

export interface Style {
  bold(s: string): string;
  status(s: string): string;
}

export function style(colour: boolean): Style {
  const wrap = (code: string) => (s: string) => (colour ? `\u001b[${code}m${s}\u001b[0m` : s);
  const byStatus: Record<string, (s: string) => string> = { ACTIVE: wrap("32"), PENDING_APPROVAL: wrap("33"), DENIED: wrap("31"), FAILED: wrap("31"), REVOKED: wrap("35"), EXPIRED: wrap("90") };
  return { bold: wrap("1"), status: (s) => (byStatus[s] ?? ((x: string) => x))(s) };
}

export function grantText(g: Grant, s: Style): string {
  return (
    [
      `${s.bold("Grant")}    ${g.id}  ${s.status(g.status)}`,
      `Project  ${g.projectId}   Tier ${g.tier}`,
      `Window   ${g.start} → ${g.end}`,
      `Networks ${g.cidrs.join(", ")}`,
      `Reason   ${g.reason}`,
      ...(g.approver ? [`Approver ${g.approver}${g.decisionReason ? ` (${g.decisionReason})` : ""}`] : []),
      ...(g.roleArn ? [`Role     ${g.roleArn}`] : []),
      ...(g.approvalExpiresAt && g.status === "PENDING_APPROVAL" ? [`Waiting for approval until ${g.approvalExpiresAt}`] : []),
    ].join("\n") + "\n"
  );
}

export function grantsTable(grants: readonly Grant[], s: Style): string {
  if (grants.length === 0) return "No grants.\n";
  const rows = [["ID", "STATUS", "TIER", "PROJECT", "END", "REQUESTER"], ...grants.map((g) => [g.id, g.status, g.tier, g.projectId, g.end, g.requester])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, ri) => r.map((cell, i) => (ri > 0 && i === 1 ? s.status(cell) + " ".repeat(widths[i]! - cell.length) : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n") + "\n";
}

/** A spinner on a TTY, plain lines otherwise (stderr, so stdout stays parseable). */
export function progressReporter(stream: NodeJS.WritableStream & { isTTY?: boolean }): { update(message: string): void; done(): void } {
  const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
  let i = 0;
  let active = false;
  return {
    update(message) {
      if (stream.isTTY) {
        stream.write(`\r\u001b[2K${frames[i++ % frames.length]} ${message}`);
        active = true;
      } else stream.write(`${message}\n`);
    },
    done() {
      if (active) stream.write("\r\u001b[2K");
      active = false;
    },
  };
}
