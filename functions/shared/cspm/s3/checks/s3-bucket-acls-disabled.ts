import { type Check, type CheckMetadata, result } from "../../check";
import { type BucketCheckInput, notAvailable, securityHubUrl } from "./types";

const metadata: CheckMetadata = {
  id: "s3_bucket_acls_disabled",
  title: "S3 bucket has ACLs disabled (Object Ownership: bucket owner enforced)",
  severity: "MEDIUM",
  securityHubControl: "S3.12",
  resourceType: "AwsS3Bucket",
  description: "With BucketOwnerEnforced, ACLs no longer grant access; access is managed by policies only and the bucket owner owns every object.",
  remediation: {
    text: "aws s3api put-bucket-ownership-controls --bucket <bucket> --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]' (first move any access ACLs grant into the bucket policy)",
    url: securityHubUrl("S3.12"),
  },
};

export const s3BucketAclsDisabled: Check<BucketCheckInput> = {
  metadata,
  evaluate({ bucket }) {
    const ownership = bucket.ownership;
    if (!ownership.ok) return notAvailable(metadata, ownership, "bucket's ownership controls");
    if (ownership.value === "BucketOwnerEnforced") return result(metadata, "PASSED", `Bucket ${bucket.name} has ACLs disabled (BucketOwnerEnforced).`);
    const setting = ownership.value ?? "ObjectWriter (no ownership controls)";
    // Say who the ACL lets in besides the owner, when we could read it.
    const acl = bucket.acl;
    const others = acl.ok && acl.value
      ? acl.value.grants.filter((g) => !(g.Grantee?.Type === "CanonicalUser" && g.Grantee.ID === acl.value!.ownerId)).map((g) => `${g.Grantee?.URI ?? g.Grantee?.ID ?? g.Grantee?.EmailAddress ?? "?"}:${g.Permission}`)
      : [];
    const extra = others.length > 0 ? `; its ACL grants ${others.join(", ")}` : "";
    return result(metadata, "FAILED", `Bucket ${bucket.name} still honours ACLs (Object Ownership ${setting})${extra}.`, {
      details: { objectOwnership: ownership.value, aclGrantsToOthers: others },
    });
  },
};
