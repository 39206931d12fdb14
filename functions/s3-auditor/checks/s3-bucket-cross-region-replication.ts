import { type Check, type CheckMetadata, result } from "../../shared/check";
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
function bucketNameOf(arn: string | undefined): string {
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
    const unknown = destinations.filter((d) => !context.bucketRegions.has(d));
    if (unknown.length > 0) {
      // Destination outside the audited scope (another account, or filtered out): we cannot see its Region.
      return result(metadata, "WARNING", `Bucket ${bucket.name} replicates to ${unknown.join(", ")}, whose Region this scan cannot see; confirm it is another Region.`, {
        details: { destinations },
      });
    }
    return result(metadata, "FAILED", `Bucket ${bucket.name} replicates only within ${bucket.region} (${destinations.join(", ")}).`, { details: { destinations } });
  },
};
