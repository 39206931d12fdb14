/**
 * Every (resource, result) of a run as findings-to-be: account results, each bucket's checks, its
 * key findings (from the key stage) and its OPA results. Pure.
 */
import type { S3AuditReport } from "../../shared/cspm/audit-types";
import { accountResourceId, findingId, type FindingResource, type MetadataLookup } from "../../shared/cspm/asff";
import type { CheckMetadata, CheckResult } from "../../shared/cspm/check";
import { KMS_KEY_CHECKS, KMS_KEY_USABLE, keyRegion, keyResults } from "../../shared/cspm/s3/key-findings";
import type { KeyStage } from "./key-checks";
import type { OpaOutcome } from "./opa";
import type { Item } from "./types";

/** The check that reads the bucket's default encryption (the source of its KMS key references). */
const ENCRYPTION_CHECK_ID = "s3_bucket_kms_encryption";

export function findingItems(report: S3AuditReport, keys: Pick<KeyStage, "refsByBucket" | "keyAudits">, opaResults?: ReadonlyMap<string, readonly CheckResult[]>): Item[] {
  const items: Item[] = [];
  const account: FindingResource = { type: "AwsAccount", id: accountResourceId(report.accountId), partition: report.partition, region: report.account.region };
  for (const result of report.account.results) items.push({ id: findingId(account.id, result.checkId), result, resources: [account] });
  for (const bucket of report.buckets) {
    const resource: FindingResource = { type: "AwsS3Bucket", id: bucket.arn, partition: report.partition, region: bucket.region };
    const refs = keys.refsByBucket.get(bucket.bucket) ?? [];
    const keyResources: FindingResource[] = refs.slice(0, 31).map((ref) => {
      const audit = keys.keyAudits.get(ref);
      const arn = audit?.ok && audit.value.keyArn ? audit.value.keyArn : ref;
      return { type: "AwsKmsKey", id: arn, partition: report.partition, region: keyRegion(arn, bucket.region) };
    });
    for (const result of bucket.results) items.push({ id: findingId(bucket.arn, result.checkId), result, resources: [resource] });
    const encryption = bucket.results.find((r) => r.checkId === ENCRYPTION_CHECK_ID && r.status === "NOT_AVAILABLE");
    for (const result of keyResults(refs, keys.keyAudits, encryption)) items.push({ id: findingId(bucket.arn, result.checkId), result, resources: [resource, ...keyResources] });
    for (const result of opaResults?.get(bucket.bucket) ?? []) items.push({ id: findingId(bucket.arn, result.checkId), result, resources: [resource] });
  }
  return items;
}

/** The metadata of every check a run can emit: the pipeline's own, OPA's, then the auditor's. */
export function metadataLookup(auditor: MetadataLookup, opa?: OpaOutcome): MetadataLookup {
  const own = new Map<string, CheckMetadata>([[KMS_KEY_USABLE.id, KMS_KEY_USABLE], [KMS_KEY_CHECKS.id, KMS_KEY_CHECKS], ...(opa?.metadata ?? [])]);
  return (id) => own.get(id) ?? auditor(id);
}
