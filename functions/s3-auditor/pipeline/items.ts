/**
 * Every (resource, result) of a run as findings-to-be: account results, each bucket's checks, its
 * key findings (from the key stage) and its OPA results. Pure.
 */
import type { S3AuditReport } from "../../shared/cspm/audit-types";
import { accountResourceId, findingId, type FindingResource, type MetadataLookup } from "../../shared/cspm/asff";
import type { CheckMetadata, CheckResult } from "../../shared/cspm/check";
import type { Fetched } from "../../shared/cspm/check";
import type { KeyAudit } from "../../shared/cspm/audit-types";
import { KMS_CHECKS } from "../../shared/cspm/kms/checks/registry";
import { KMS_KEY_CHECKS, KMS_KEY_USABLE, keyRegion, keyResults, keyUnreadable } from "../../shared/cspm/s3/key-findings";
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

/**
 * The findings of the keys the scheduled run listed, each key a resource of its own (KMS.3, KMS.4,
 * KMS.5 and the platform's key checks). AWS-managed keys give none. A key whose audit is not fully
 * readable never passes: its PASSED results, or every check when the API did not answer, are NOT_AVAILABLE.
 */
export function keyItems(report: Pick<S3AuditReport, "partition">, keyArns: readonly string[], audits: ReadonlyMap<string, Fetched<KeyAudit>>): Item[] {
  const items: Item[] = [];
  for (const arn of [...new Set(keyArns)]) {
    const audit = audits.get(arn);
    if (audit?.ok && audit.value.facts.keyManager === "AWS") continue;
    const resource: FindingResource = { type: "AwsKmsKey", id: arn, partition: report.partition, region: keyRegion(arn, "") };
    const unreadable = keyUnreadable(audit);
    const results: CheckResult[] =
      audit?.ok
        ? audit.value.results.map((r) =>
            unreadable && r.status === "PASSED" ? { checkId: r.checkId, status: "NOT_AVAILABLE", reason: `The key's audit is not complete (${unreadable.message}), so this check cannot pass.`, errorCode: unreadable.errorCode } : r,
          )
        : KMS_CHECKS.map((c) => ({ checkId: c.metadata.id, status: "NOT_AVAILABLE" as const, reason: `The KMS audit API did not answer for the key: ${unreadable!.message}`, errorCode: unreadable!.errorCode }));
    for (const result of results) items.push({ id: findingId(arn, result.checkId), result, resources: [resource] });
  }
  return items;
}

/** The metadata of every check a run can emit: the pipeline's own, OPA's, then the auditor's. */
export function metadataLookup(auditor: MetadataLookup, opa?: OpaOutcome): MetadataLookup {
  const own = new Map<string, CheckMetadata>([
    [KMS_KEY_USABLE.id, KMS_KEY_USABLE],
    [KMS_KEY_CHECKS.id, KMS_KEY_CHECKS],
    ...KMS_CHECKS.map((c) => [c.metadata.id, c.metadata] as const),
    ...(opa?.metadata ?? []),
  ]);
  return (id) => own.get(id) ?? auditor(id);
}
