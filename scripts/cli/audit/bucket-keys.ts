/**
 * `audit buckets` judges the KMS keys its buckets name with the same KMS checks the KMS auditor
 * runs (in-process, no API needed) and adds the same key findings the Lambda sends to Security
 * Hub, so the CLI's output matches the pipeline's.
 */
import type { KMSClient } from "@aws-sdk/client-kms";
import type { BucketAudit, KeyAudit, S3AuditReport } from "../../../functions/shared/cspm/audit-types";
import type { MetadataLookup } from "../../../functions/shared/cspm/asff";
import type { Fetched } from "../../../functions/shared/cspm/check";
import { auditKey } from "../../../functions/shared/cspm/kms/audit";
import { parseKeyRef } from "../../../functions/shared/cspm/kms/key-ref";
import { auditDistinctKeys, canonicalKeyRef, KMS_KEY_CHECKS, KMS_KEY_USABLE, keyResults } from "../../../functions/shared/cspm/s3/key-findings";
import { PlatformError, awsErrorCode } from "../../../functions/shared/platform/errors";

/** The bucket checks' metadata plus the key findings'. */
export function withKeyFindings(lookup: MetadataLookup): MetadataLookup {
  return (id) => (id === KMS_KEY_USABLE.id ? KMS_KEY_USABLE : id === KMS_KEY_CHECKS.id ? KMS_KEY_CHECKS : lookup(id));
}

/** Audits each distinct key once with `kms(region)` and adds the key findings to every bucket. */
export async function addKeyFindings(report: S3AuditReport, kms: (region: string) => KMSClient, now: Date): Promise<S3AuditReport> {
  const deps = { kms, ownAccountId: () => Promise.resolve(report.accountId), now: () => now };
  const refsOf = (b: BucketAudit) => [...new Set(b.kmsKeyIds.map((ref) => canonicalKeyRef(ref, { partition: report.partition, region: b.region, accountId: report.accountId })))];
  const audits = await auditDistinctKeys(report.buckets.flatMap(refsOf), async (ref): Promise<Fetched<KeyAudit>> => {
    try {
      const keyRef = parseKeyRef(ref, { defaultRegion: ref.split(":")[3] || report.account.region });
      return { ok: true, value: await auditKey(deps, keyRef, { trustedAccounts: [] }) };
    } catch (error) {
      // Data from AWS is never a usage error: the key's findings become NOT_AVAILABLE with the reason.
      return { ok: false, errorCode: error instanceof PlatformError ? error.code : awsErrorCode(error), message: (error as Error).message };
    }
  });
  const buckets = report.buckets.map((b) => {
    const encryption = b.results.find((r) => r.checkId === "s3_bucket_kms_encryption" && r.status === "NOT_AVAILABLE");
    return { ...b, results: [...b.results, ...keyResults(refsOf(b), audits, encryption)] };
  });
  return { ...report, buckets };
}
