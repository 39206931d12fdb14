import { type Check, type CheckMetadata, result } from "../../check";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_cross_region_replication",
  title: "S3 bucket replicates to another Region",
  severity: "LOW",
  securityHubControl: "S3.7",
  resourceType: "AwsS3Bucket",
  description:
    "Cross-Region replication keeps a copy of the data in another Region. A bucket that is itself a replication destination is not asked to replicate (Security Hub fails those too).",
  remediation: { text: "aws s3api put-bucket-replication --bucket <bucket> --replication-configuration file://replication.json (destination bucket in another Region; versioning on both)", url: securityHubUrl("S3.7") },
};

/** `arn:aws:s3:::name` → `name`. */
export function bucketNameOf(arn: string | undefined): string {
  return (arn ?? "").replace(/^arn:[^:]*:s3:::/, "");
}

export const s3BucketCrossRegionReplication: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket, context }) {
    const replication = bucket.replication;
    if (!replication.ok) return notAvailable(metadata, replication, "bucket's replication configuration");
    const rules = (replication.value?.Rules ?? []).filter((r) => r.Status === "Enabled");
    if (rules.length === 0) {
      const sources = context.replicationTargets.get(bucket.name) ?? [];
      if (sources.length > 0) {
        return result(metadata, "NOT_APPLICABLE", `Bucket ${bucket.name} is the replication destination of ${sources.join(", ")}.`, { details: { replicationSources: sources } });
      }
      return result(metadata, "FAILED", `Bucket ${bucket.name} has no enabled replication rule.`);
    }
    const destinations = [...new Set(rules.map((r) => bucketNameOf(r.Destination?.Bucket)))];
    const crossRegion = destinations.filter((d) => {
      const region = context.bucketRegions.get(d);
      return region !== undefined && region !== bucket.region;
    });
    if (crossRegion.length > 0) {
      return result(metadata, "PASSED", `Bucket ${bucket.name} replicates to ${crossRegion.map((d) => `${d} (${context.bucketRegions.get(d)})`).join(", ")}.`, {
        details: { destinations },
      });
    }
    // bucketRegions holds every bucket of the account, in scope or not: a destination missing from it
    // belongs to another account, whose Region ListBuckets cannot tell us.
    const outsideAccount = destinations.filter((d) => !context.bucketRegions.has(d));
    if (outsideAccount.length > 0) {
      const names = outsideAccount.join(", ");
      const which = outsideAccount.length === 1 ? `${names} is not a bucket of account ${context.account.accountId}` : `${names} are not buckets of account ${context.account.accountId}`;
      return result(metadata, "WARNING", `Bucket ${bucket.name} replicates across accounts: ${which}, so its Region cannot be read; confirm the destination is in another Region than ${bucket.region}.`, {
        details: { destinations, outsideAccount },
      });
    }
    return result(metadata, "FAILED", `Bucket ${bucket.name} replicates only within ${bucket.region} (${destinations.join(", ")}).`, { details: { destinations } });
  },
};
