/**
 * The regions and partition the KMS audit API accepts. A caller-chosen `region` used to create a
 * KMS client per distinct value, without bound (9,000 made-up regions grew the function from
 * 119 MB to 506 MB); now a request names only a region the platform knows:
 *
 * - the settings' audit regions (AUDIT_REGIONS, set by the stack from `cspm.auditRegions`) plus the
 *   function's own region, when the function is told them;
 * - otherwise (local serve, tests) any region of the function's partition in the SDK's own region
 *   list (`@aws-sdk/core`'s partitions data), never a name that only looks like a region.
 *
 * A key ARN of another partition (`aws-cn` from an `aws` function) is refused too: the function's
 * credentials cannot reach it.
 */
import { partition } from "@aws-sdk/core/client";
import { AWS_REGION_PATTERN } from "../shared/platform/aws-clients";
import { ConfigurationError, ValidationError } from "../shared/platform/errors";

/**
 * The most KMS clients the function keeps (least recently used dropped first): every region of
 * the largest partition (37 in the aws partition today) plus room for replica primaries.
 */
export const MAX_KMS_CLIENTS = 48;

/** Whether the SDK's region list has `region` (not merely a name matching a partition's pattern). */
export function isKnownRegion(region: string): boolean {
  // partition() adds the region's own entry (with its description) only for a region in the list;
  // the list also holds pseudo-regions such as aws-global, which the pattern leaves out.
  return AWS_REGION_PATTERN.test(region) && (partition(region) as { description?: unknown }).description !== undefined;
}

/** The partition (`aws`, `aws-cn`, `aws-us-gov`, ...) a region belongs to, per the SDK. */
export function partitionOfRegion(region: string): string {
  return partition(region).name;
}

export interface RegionPolicy {
  /** The function's partition. */
  readonly partition: string;
  /** The regions accepted, or undefined for every region of the partition the SDK knows. */
  readonly regions?: readonly string[];
  /** @throws ValidationError `RegionNotAllowed` / `PartitionNotAllowed` naming the field and what is allowed. */
  check(region: string, field: string, keyPartition?: string): void;
}

/**
 * Parses AUDIT_REGIONS (comma-separated, as the S3 auditor reads it). Every entry must be a region
 * the SDK knows, in the function's partition.
 * @throws ConfigurationError naming the variable and the bad entry.
 */
export function parseAuditRegions(value: string | undefined, ownRegion: string): readonly string[] | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const regions = [...new Set(value.split(",").map((r) => r.trim()).filter(Boolean))];
  const own = partitionOfRegion(ownRegion);
  for (const r of regions) {
    if (!isKnownRegion(r) || partitionOfRegion(r) !== own) {
      throw new ConfigurationError(`Environment variable AUDIT_REGIONS lists ${JSON.stringify(r.slice(0, 40))}, which is not an AWS region of partition ${own}; set it to comma-separated regions such as eu-west-1,us-east-1.`);
    }
  }
  return regions;
}

/** The accepted regions: `auditRegions` plus `ownRegion` when given, else every known region of `ownRegion`'s partition. */
export function regionPolicy(ownRegion: string, auditRegions?: readonly string[]): RegionPolicy {
  const own = partitionOfRegion(ownRegion);
  const allowed = auditRegions ? [...new Set([ownRegion, ...auditRegions])].sort() : undefined;
  const allowedSet = allowed ? new Set(allowed) : undefined;
  return {
    partition: own,
    ...(allowed ? { regions: allowed } : {}),
    check(region, field, keyPartition) {
      if (keyPartition !== undefined && keyPartition !== own) {
        throw new ValidationError(`${field} is in partition ${keyPartition}; this auditor runs in ${own} and audits only its keys.`, "PartitionNotAllowed");
      }
      const shown = JSON.stringify(region.slice(0, 40));
      if (allowedSet) {
        if (!allowedSet.has(region)) throw new ValidationError(`${field} names region ${shown}, which this auditor does not audit; use one of ${allowed!.join(", ")}.`, "RegionNotAllowed");
        return;
      }
      if (!isKnownRegion(region) || partitionOfRegion(region) !== own) {
        throw new ValidationError(`${field} names region ${shown}, which is not an AWS region of partition ${own}.`, "RegionNotAllowed");
      }
    },
  };
}
