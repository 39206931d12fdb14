/**
 * The S3 audit core: fetch the inventory, run every check on it, and shape an S3AuditReport.
 * `auditInventory` is pure, so the CLI, the Lambda, the bench and the tests share one judgement.
 */
import type { CheckResult } from "../check";
import type { BucketAudit, S3AuditReport } from "../audit-types";
import { ACCOUNT_CHECKS, BUCKET_CHECKS } from "./checks/index";
import { bucketNameOf } from "./checks/s3-bucket-cross-region-replication";
import { defaultEncryptionKeyIds } from "./checks/s3-bucket-kms-encryption";
import type { ScanContext } from "./checks/types";
import { type Inventory, type InventoryDeps, type InventoryOptions, fetchInventory, scopeRegions } from "./inventory";

export type AuditDeps = InventoryDeps & {
  /** Injected for tests. */
  now?(): Date;
};

export type AuditOptions = InventoryOptions;

function addTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function scanContext(inventory: Inventory): ScanContext {
  const logTargets = new Map<string, string[]>();
  const replicationTargets = new Map<string, string[]>();
  // Every bucket of the account, audited or not: a replication destination may be out of scope.
  const bucketRegions = new Map<string, string>(inventory.bucketRegions);
  for (const bucket of inventory.buckets) {
    bucketRegions.set(bucket.name, bucket.region);
    if (bucket.logging.ok && bucket.logging.value?.TargetBucket) addTo(logTargets, bucket.logging.value.TargetBucket, bucket.name);
    if (bucket.replication.ok) {
      for (const rule of bucket.replication.value?.Rules ?? []) {
        const destination = bucketNameOf(rule.Destination?.Bucket);
        if (rule.Status === "Enabled" && destination) addTo(replicationTargets, destination, bucket.name);
      }
    }
  }
  return { account: inventory.account, logTargets, replicationTargets, bucketRegions };
}

/** Runs every check over fetched data. Pure. */
export function auditInventory(inventory: Inventory, options: AuditOptions, startedAt: Date, finishedAt: Date): S3AuditReport {
  const context = scanContext(inventory);
  const accountResults: CheckResult[] = ACCOUNT_CHECKS.map((check) => check.evaluate({ account: inventory.account }));
  const buckets: BucketAudit[] = [...inventory.buckets]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((bucket) => ({
      bucket: bucket.name,
      region: bucket.region,
      arn: bucket.arn,
      kmsKeyIds: bucket.encryption.ok ? defaultEncryptionKeyIds(bucket.encryption.value) : [],
      results: BUCKET_CHECKS.map((check) => check.evaluate({ bucket, context })),
    }));
  const scope: { buckets?: string[]; regions?: string[] } = {};
  if (options.buckets && options.buckets.length > 0) scope.buckets = [...new Set(options.buckets)].sort();
  const regions = scopeRegions(options);
  if (regions) scope.regions = [...regions].sort();
  return {
    accountId: inventory.account.accountId,
    partition: inventory.account.partition,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    scope,
    account: { region: inventory.account.homeRegion, results: accountResults },
    buckets,
    deletedBuckets: inventory.deletedBuckets,
    errors: inventory.errors,
    apiCalls: inventory.apiCalls,
  };
}

/** Fetches and audits. Throws only when nothing can be audited (no identity, ListBuckets denied). */
export async function auditBuckets(deps: AuditDeps, options: AuditOptions = {}): Promise<S3AuditReport> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const inventory = await fetchInventory(deps, options);
  return auditInventory(inventory, options, startedAt, now());
}
