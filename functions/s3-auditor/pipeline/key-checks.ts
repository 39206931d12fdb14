/**
 * The key stage: every distinct KMS key the audited buckets name is asked once (aliases resolved
 * first), and keys whose audit is not fully readable are named, so the run reports them.
 */
import type { S3AuditReport } from "../../shared/cspm/audit-types";
import { auditDistinctKeys, canonicalKeyRef, keyUnreadable } from "../../shared/cspm/s3/key-findings";
import { awsErrorCode } from "../../shared/platform/errors";
import type { KeyAuditLookup, PipelineDeps, RunError } from "./types";

export interface KeyStage {
  /** Canonical key refs per bucket name. */
  readonly refsByBucket: ReadonlyMap<string, readonly string[]>;
  readonly keyAudits: KeyAuditLookup;
  readonly kmsApiCalls: number;
  /** Keys whose audit is not fully readable (API error, unknown state, a NOT_AVAILABLE check). */
  readonly failedKeys: readonly string[];
  readonly errors: readonly RunError[];
}

/** The account's keys, listed per audited region (scheduled runs only). */
export interface KeyInventory {
  /** Key ARNs ListKeys returned, in every region whose listing succeeded. */
  readonly keyArns: readonly string[];
  /** Regions whose listing succeeded: only there may a key's findings be archived as "gone". */
  readonly listedRegions: readonly string[];
  readonly errors: readonly RunError[];
}

/** Lists the keys of every region; a region whose listing fails is named and archives nothing. */
export async function listAccountKeys(regions: readonly string[], deps: Pick<PipelineDeps, "listKeys">): Promise<KeyInventory> {
  const keyArns: string[] = [];
  const listedRegions: string[] = [];
  const errors: RunError[] = [];
  if (!deps.listKeys) return { keyArns, listedRegions, errors };
  for (const region of regions) {
    try {
      keyArns.push(...(await deps.listKeys(region)));
      listedRegions.push(region);
    } catch (error) {
      errors.push({ source: "kms", code: awsErrorCode(error), message: `ListKeys in ${region}: ${(error as Error).message}` });
    }
  }
  return { keyArns, listedRegions, errors };
}

/**
 * Asks about every distinct key of the report's buckets and of the key inventory, `concurrency` at
 * a time: a key both a bucket and the inventory name is asked once.
 */
export async function auditBucketKeys(
  report: S3AuditReport,
  deps: Pick<PipelineDeps, "auditKey" | "resolveAlias" | "kmsConcurrency">,
  inventoryKeys: readonly string[] = [],
): Promise<KeyStage> {
  const refsByBucket = new Map<string, string[]>();
  for (const bucket of report.buckets) {
    const context = { partition: report.partition, region: bucket.region, accountId: report.accountId };
    refsByBucket.set(bucket.bucket, [...new Set(bucket.kmsKeyIds.map((ref) => canonicalKeyRef(ref, context)))]);
  }
  let kmsApiCalls = 0;
  const keyAudits = await auditDistinctKeys(
    [...[...refsByBucket.values()].flat(), ...inventoryKeys],
    (ref) => {
      kmsApiCalls++;
      return deps.auditKey(ref);
    },
    deps.resolveAlias,
    deps.kmsConcurrency ?? 8,
  );
  const failedKeys: string[] = [];
  const errors: RunError[] = [];
  for (const [ref, audit] of keyAudits) {
    const unreadable = keyUnreadable(audit);
    if (!unreadable) continue;
    failedKeys.push(ref);
    errors.push({ source: "kms", code: unreadable.errorCode, message: `${ref}: ${unreadable.message}` });
  }
  return { refsByBucket, keyAudits, kmsApiCalls, failedKeys: failedKeys.sort(), errors };
}
