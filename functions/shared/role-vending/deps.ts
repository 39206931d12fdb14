/**
 * What the role-vending functions share at run time: their configuration (parsed from the
 * contract's env schema), the dependency bundle the cores take, metrics as a small sink, and the
 * audit writer (a DynamoDB record plus one structured log line per action).
 */
import type { IAMClient } from "@aws-sdk/client-iam";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { RoleVendingEnv } from "../contracts/role-vending-api";
import type { AuditAction, GrantStore } from "./grant-store";
import type { TemplateSource } from "./templates";

export type VendorConfig = Pick<
  RoleVendingEnv,
  "ACCOUNT_ID" | "AWS_REGION" | "NAME_PREFIX" | "TIERS" | "APPROVERS" | "APPROVER_GROUP" | "ADMIN_GROUP" | "APPROVAL_EXPIRY_MINUTES" | "DEFAULT_CIDRS" | "PROJECTS"
>;

/** A metric sink: Powertools in Lambda, an array in tests. */
export interface MetricSink {
  count(name: string, value?: number, dimensions?: Record<string, string>): void;
  milliseconds(name: string, value: number, dimensions?: Record<string, string>): void;
  seconds(name: string, value: number, dimensions?: Record<string, string>): void;
  percent(name: string, value: number): void;
}

export interface VendorDeps {
  readonly config: VendorConfig;
  readonly store: GrantStore;
  readonly iam: IAMClient;
  readonly templates: TemplateSource;
  /** Tells approvers a request waits for them (SNS). */
  notifyApprovers(subject: string, message: string): Promise<void>;
  /** Whether an IAM user is a member of a group (cached). */
  isGroupMember(group: string, principalArn: string): Promise<boolean>;
  readonly metrics: MetricSink;
  readonly logger: Pick<Logger, "info" | "warn" | "error">;
  now(): Date;
}

/** Writes an audit record and the same action as one structured JSON log line. */
export async function audit(
  deps: Pick<VendorDeps, "store" | "logger" | "now">,
  grantId: string,
  action: AuditAction,
  actor: string,
  detail?: Record<string, unknown>,
): Promise<void> {
  const record = { grantId, action, actor, at: deps.now().toISOString(), ...(detail ? { detail } : {}) };
  deps.logger.info("audit", { audit: record });
  await deps.store.appendAudit(record);
}

/** An in-memory metric sink (tests, CLI). */
export function recordingMetrics(): MetricSink & { readonly recorded: { name: string; value: number; dimensions?: Record<string, string> }[] } {
  const recorded: { name: string; value: number; dimensions?: Record<string, string> }[] = [];
  const add = (name: string, value = 1, dimensions?: Record<string, string>) => recorded.push({ name, value, ...(dimensions ? { dimensions } : {}) });
  return { recorded, count: add, milliseconds: add, seconds: add, percent: (n, v) => add(n, v) };
}
