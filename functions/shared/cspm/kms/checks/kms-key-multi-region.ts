import { result, type Check, type CheckMetadata } from "../../check";
import { notAvailable, type KeyFacts } from "../facts";

export const metadata: CheckMetadata = {
  id: "kms_key_multi_region",
  title: "KMS key is multi-Region",
  severity: "INFORMATIONAL",
  resourceType: "AwsKmsKey",
  description:
    "Multi-Region keys share key material across Regions: data encrypted in one Region can be decrypted in another, and each replica has its own key policy to review. Reported for awareness.",
  remediation: {
    text: "Make sure the key is meant to be multi-Region and that every replica's key policy is as strict as the primary's.",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html",
  },
};

export const kmsKeyMultiRegion: Check<KeyFacts> = {
  metadata,
  evaluate(facts) {
    if (!facts.metadata.ok) return notAvailable(metadata, facts.metadata, "the key's metadata");
    const m = facts.metadata.value;
    if (m.MultiRegion !== true) return result(metadata, "PASSED", "The key is a single-Region key.");
    const config = m.MultiRegionConfiguration;
    const replicas = (config?.ReplicaKeys ?? []).map((r) => r.Region ?? "?");
    const type = config?.MultiRegionKeyType ?? "unknown";
    const reason =
      type === "REPLICA"
        ? `The key is a multi-Region replica of ${config?.PrimaryKey?.Arn ?? "an unknown primary"}.`
        : `The key is a multi-Region primary key${replicas.length > 0 ? ` replicated to ${replicas.join(", ")}` : " with no replicas yet"}.`;
    return result(metadata, "WARNING", reason, {
      details: { multiRegionKeyType: type, primaryRegion: config?.PrimaryKey?.Region, replicaRegions: replicas },
    });
  },
};
