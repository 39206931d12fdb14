/**
 * Inputs of the S3 checks: one bucket's fetched configuration plus what the checks need to know
 * about the rest of the scan (account-level settings, which buckets receive logs or replicas).
 */
import type { CheckMetadata, CheckResult, Fetched } from "../../check";
import { result } from "../../check";
import type { AccountInventory, BucketInventory } from "../inventory";

export interface ScanContext {
  readonly account: AccountInventory;
  /** Target bucket name → the audited buckets that write server access logs to it. */
  readonly logTargets: ReadonlyMap<string, readonly string[]>;
  /** Destination bucket name → the audited buckets that replicate into it. */
  readonly replicationTargets: ReadonlyMap<string, readonly string[]>;
  /**
   * Region of every bucket of the account, by name: the audited ones and those ListBuckets returned
   * outside the scope (another region, not named). A name missing here is not the account's bucket.
   */
  readonly bucketRegions: ReadonlyMap<string, string>;
}

export interface BucketCheckInput {
  readonly bucket: BucketInventory;
  readonly context: ScanContext;
}

export interface AccountCheckInput {
  readonly account: AccountInventory;
}

/** NOT_AVAILABLE for a check whose input could not be read: never a pass. */
export function notAvailable(metadata: CheckMetadata, fetched: Fetched<unknown> & { ok: false }, what: string): CheckResult {
  return result(metadata, "NOT_AVAILABLE", `Could not read the ${what} (${fetched.errorCode}); grant the auditor the permission and re-run.`, {
    errorCode: fetched.errorCode,
  });
}

export function securityHubUrl(control: string): string {
  return `https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#${control.toLowerCase().replace(".", "-")}`;
}
