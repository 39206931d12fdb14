import { type Check, type CheckMetadata, result } from "../../check";
import type { PublicAccessBlockFlags } from "../inventory";
import { type AccountCheckInput, notAvailable, securityHubUrl } from "./types";

const PUBLIC_ACCESS_BLOCK_FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

/** The flags of a configuration that are not on (all four when there is no configuration). */
export function missingFlags(config: PublicAccessBlockFlags | null): string[] {
  return PUBLIC_ACCESS_BLOCK_FLAGS.filter((flag) => config?.[flag] !== true);
}

const metadata: CheckMetadata = {
  id: "s3_account_level_public_access_blocks",
  title: "S3 Block Public Access is enabled at the account level (all four settings)",
  severity: "MEDIUM",
  securityHubControl: "S3.1",
  resourceType: "AwsAccount",
  description: "The account-level Block Public Access settings apply to every bucket and access point in the account, including buckets created later.",
  remediation: {
    text: "Turn on all four account-level settings: aws s3control put-public-access-block --account-id <id> --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    url: securityHubUrl("S3.1"),
  },
};

export const s3AccountLevelPublicAccessBlocks: Check<AccountCheckInput> = {
  metadata,
  evaluate({ account }) {
    const pab = account.publicAccessBlock;
    if (!pab.ok) return notAvailable(metadata, pab, "account-level Block Public Access configuration");
    const missing = missingFlags(pab.value);
    if (missing.length === 0) return result(metadata, "PASSED", `Account ${account.accountId} blocks public access with all four settings.`);
    const reason =
      pab.value === null
        ? `Account ${account.accountId} has no account-level Block Public Access configuration.`
        : `Account ${account.accountId} leaves ${missing.join(", ")} off at the account level.`;
    return result(metadata, "FAILED", reason, { details: { missingFlags: missing } });
  },
};
