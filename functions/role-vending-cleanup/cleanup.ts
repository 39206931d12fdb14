/**
 * The cleanup run (every 5 minutes): expires grants past their end and deletes their roles,
 * expires unanswered approval requests, deletes vended roles without a live grant (orphans,
 * revocations whose deletion failed), and reports the account's role count against the quota.
 * Idempotent and safe when two runs overlap: status changes are conditional writes (only the run
 * that wins writes the audit record) and deletes tolerate roles that are already gone.
 */
import { forEachWithConcurrency } from "../shared/platform/concurrency";
import { METRICS } from "../shared/contracts/role-vending-api";
import { vendedRoleName, vendingPath } from "../shared/iam-policy/role-vending";
import { effectiveStatus } from "../shared/role-vending/grant-store";
import { deleteVendedRole, listVendedRoles, roleQuota } from "../shared/role-vending/roles";
import { audit, type VendorDeps } from "../shared/role-vending/deps";

export interface CleanupResult {
  grantsExpired: number;
  approvalsExpired: number;
  rolesDeleted: number;
  rolesAlreadyGone: number;
  orphansDeleted: number;
  errors: number;
  roleQuota?: { roles: number; quota: number; usedPercent: number };
}

export interface CleanupOptions {
  /** Roles younger than this are never treated as orphans: their grant may still be being written. @default 5 minutes */
  readonly orphanGraceMs?: number;
  /** @default 5 */
  readonly concurrency?: number;
}

export type CleanupDeps = Pick<VendorDeps, "config" | "store" | "iam" | "metrics" | "logger" | "now">;

export async function runCleanup(deps: CleanupDeps, options: CleanupOptions = {}): Promise<CleanupResult> {
  const now = deps.now();
  const concurrency = options.concurrency ?? 5;
  const prefix = deps.config.NAME_PREFIX;
  const result: CleanupResult = { grantsExpired: 0, approvalsExpired: 0, rolesDeleted: 0, rolesAlreadyGone: 0, orphansDeleted: 0, errors: 0 };
  const failed = async (grantId: string, step: string, error: unknown) => {
    result.errors += 1;
    deps.logger.error("cleanup step failed", { grantId, step, error: error as Error });
    await audit(deps, grantId, "cleanup-failed", "cleanup", { step, message: (error as Error).message }).catch(() => undefined);
  };

  // 1. Grants past their end: role first (policies, then the role), then the status.
  const ended = await deps.store.listByStatus("ACTIVE", { endingBy: now.toISOString() });
  await forEachWithConcurrency(ended, concurrency, async (grant) => {
    try {
      const deleted = await deleteVendedRole(deps.iam, vendedRoleName(prefix, grant.id));
      if (deleted) result.rolesDeleted += 1;
      else result.rolesAlreadyGone += 1;
      const expired = await deps.store.transition(grant.id, { from: ["ACTIVE"], to: "EXPIRED", now });
      if (expired) {
        result.grantsExpired += 1;
        deps.metrics.count(METRICS.expired);
        await audit(deps, grant.id, "expired", "cleanup", { roleDeleted: deleted });
      }
    } catch (error) {
      await failed(grant.id, "expire", error);
    }
  });

  // 2. Approval requests nobody answered in time.
  const pending = await deps.store.listByStatus("PENDING_APPROVAL");
  await forEachWithConcurrency(
    pending.filter((g) => effectiveStatus(g, now) === "EXPIRED"),
    concurrency,
    async (grant) => {
      try {
        const expired = await deps.store.transition(grant.id, { from: ["PENDING_APPROVAL"], to: "EXPIRED", now, set: { decisionReason: "no approver answered in time" } });
        if (expired) {
          result.approvalsExpired += 1;
          await audit(deps, grant.id, "expired", "cleanup", { reason: "approval not given in time" });
        }
      } catch (error) {
        await failed(grant.id, "expire-approval", error);
      }
    },
  );

  // 3. Roles under the vending path without a live grant.
  const graceMs = options.orphanGraceMs ?? 5 * 60_000;
  const roles = await listVendedRoles(deps.iam, vendingPath(prefix));
  await forEachWithConcurrency(
    roles.filter((r) => now.getTime() - r.createdAt.getTime() >= graceMs),
    concurrency,
    async (role) => {
      const grantId = role.roleName.startsWith(`${prefix}-`) ? role.roleName.slice(prefix.length + 1) : role.roleName;
      try {
        const grant = /^g-[0-9a-f]{20}$/.test(grantId) ? await deps.store.get(grantId) : undefined;
        const live = grant && ["ACTIVE", "PENDING_APPROVAL"].includes(effectiveStatus(grant, now));
        if (live) return;
        if (await deleteVendedRole(deps.iam, role.roleName)) {
          result.orphansDeleted += 1;
          deps.logger.info("orphaned role deleted", { roleName: role.roleName, grantStatus: grant?.status ?? "none" });
        }
      } catch (error) {
        await failed(grantId, "orphan", error);
      }
    },
  );

  // 4. Role quota: per-grant roles count against the account's IAM role quota.
  try {
    const q = await roleQuota(deps.iam);
    const usedPercent = q.quota > 0 ? Math.round((q.roles / q.quota) * 1000) / 10 : 100;
    result.roleQuota = { ...q, usedPercent };
    deps.metrics.percent(METRICS.roleQuotaUsedPercent, usedPercent);
    if (usedPercent >= 80) deps.logger.warn("IAM role quota nearly used", { ...q, usedPercent });
  } catch (error) {
    result.errors += 1;
    deps.logger.error("role quota unreadable", { error: error as Error });
  }

  if (result.errors > 0) deps.metrics.count(METRICS.cleanupErrors, result.errors);
  deps.logger.info("cleanup finished", { ...result });
  return result;
}
