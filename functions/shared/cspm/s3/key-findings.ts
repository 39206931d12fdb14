/**
 * The bucket's key findings, judged from the audits of the KMS keys its default encryption names
 * (the KMS audit API's answers in the Lambda, the same KMS checks in-process in the CLI), and the
 * helpers that name each key once. Pure except auditDistinctKeys, which calls what it is given.
 */
import type { KeyAudit } from "../audit-types";
import { SEVERITY_ORDER, type CheckMetadata, type CheckResult, type Fetched, type Severity } from "../check";
import { mapWithConcurrency } from "../../platform/concurrency";

/** The id the "key usable" finding had while it was tagged KMS.3: its findings are archived by the sweep. */
export const LEGACY_KMS_KEY_USABLE_ID = "s3_bucket_kms_key_usable";

export const STALE_KEY_STATES = new Set(["PendingDeletion", "PendingReplicaDeletion", "Disabled"]);

/** Checks the pipeline itself emits on buckets, from the KMS audit API's answers. */
export const KMS_KEY_USABLE: CheckMetadata = {
  id: "s3_bucket_default_kms_key_usable",
  title: "S3 bucket's KMS key is enabled and not pending deletion",
  severity: "CRITICAL",
  // The platform's own check, not a Security Hub control (KMS.3 judges keys, not the buckets using them).
  resourceType: "AwsS3Bucket",
  description:
    "The bucket's default encryption names a KMS key. If that key is disabled or scheduled for deletion, new writes fail and, once it is deleted, every object encrypted under it is lost.",
  remediation: {
    text: "Cancel the key deletion (aws kms cancel-key-deletion) or enable the key, or change the bucket's default encryption to a key that is enabled.",
    url: "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html",
  },
};

export const KMS_KEY_CHECKS: CheckMetadata = {
  id: "s3_bucket_kms_key_checks_passed",
  title: "KMS keys used by the S3 bucket pass the KMS checks",
  severity: "MEDIUM",
  resourceType: "AwsS3Bucket",
  description: "The KMS auditor's checks (rotation, key policy exposure, cross-account access, ...) of every key the bucket's default encryption uses.",
  remediation: { text: "Fix the failed checks of the KMS key named in this finding; see the key's own findings for details." },
};

function maxSeverity(severities: readonly Severity[], fallback: Severity): Severity {
  return severities.reduce((a, b) => (SEVERITY_ORDER.indexOf(b) > SEVERITY_ORDER.indexOf(a) ? b : a), fallback);
}

export function keyRegion(keyArn: string, fallback: string): string {
  return keyArn.split(":")[3] || fallback;
}

/**
 * Why a key's audit cannot be relied on, or undefined when it was fully read: the API did not
 * answer, the key's state is unknown, or any of its checks is NOT_AVAILABLE (access denied, a key
 * in another account, an unreadable policy). Such a key never passes.
 */
export function keyUnreadable(audit: Fetched<KeyAudit> | undefined): { errorCode: string; message: string } | undefined {
  if (!audit) return { errorCode: "NotAsked", message: "the key was not asked for" };
  if (!audit.ok) return { errorCode: audit.errorCode, message: audit.message ?? "the KMS audit API did not answer" };
  const unavailable = audit.value.results.find((r) => r.status === "NOT_AVAILABLE");
  if (unavailable) return { errorCode: unavailable.errorCode ?? "NotAvailable", message: `${unavailable.checkId} could not be evaluated: ${unavailable.reason}` };
  if (typeof audit.value.facts.keyState !== "string") return { errorCode: "UnknownKeyState", message: "the key's state is unknown" };
  return undefined;
}

/**
 * The bucket's key findings from the KMS API's answers: pending deletion or disabled is CRITICAL
 * FAILED; an answer we could not get is NOT_AVAILABLE; a bucket without a KMS key gets neither
 * (NOT_APPLICABLE, so an earlier finding is archived).
 */
export function keyResults(refs: readonly string[], audits: ReadonlyMap<string, Fetched<KeyAudit>>, encryptionUnreadable?: CheckResult): CheckResult[] {
  if (refs.length === 0 && encryptionUnreadable) {
    // The keys are unknown, not absent: never turn the API error into NOT_APPLICABLE (which archives).
    const reason = `The bucket's default encryption could not be read, so its KMS keys are unknown: ${encryptionUnreadable.reason}`;
    const errorCode = encryptionUnreadable.errorCode ?? "Unknown";
    return [
      { checkId: KMS_KEY_USABLE.id, status: "NOT_AVAILABLE", reason, errorCode },
      { checkId: KMS_KEY_CHECKS.id, status: "NOT_AVAILABLE", reason, errorCode },
    ];
  }
  if (refs.length === 0) {
    const reason = "The bucket's default encryption uses no KMS key.";
    return [
      { checkId: KMS_KEY_USABLE.id, status: "NOT_APPLICABLE", reason },
      { checkId: KMS_KEY_CHECKS.id, status: "NOT_APPLICABLE", reason },
    ];
  }
  const unusable: string[] = [];
  const unavailable: string[] = [];
  /** Error code of the first key the API did not answer for. */
  let unavailableCode = "Unknown";
  const failedChecks: { text: string; severity: Severity }[] = [];
  for (const ref of refs) {
    const audit = audits.get(ref);
    const unreadable = keyUnreadable(audit);
    if (unreadable) {
      if (unavailable.length === 0) unavailableCode = unreadable.errorCode;
      unavailable.push(`${ref} (${unreadable.errorCode})`);
    }
    if (!audit || !audit.ok) continue;
    const key = audit.value;
    const state = typeof key.facts.keyState === "string" ? key.facts.keyState : undefined;
    const stateFailed = key.results.find((r) => r.status === "FAILED" && /pending_deletion|key_enabled/.test(r.checkId));
    if ((state && STALE_KEY_STATES.has(state)) || stateFailed) unusable.push(`${key.keyArn} is ${state ?? stateFailed!.checkId}`);
    for (const r of key.results) {
      if (r.status === "FAILED" || r.status === "WARNING") failedChecks.push({ text: `${key.keyArn}: ${r.checkId} ${r.status}: ${r.reason}`, severity: r.severity ?? "MEDIUM" });
    }
  }
  const usable: CheckResult =
    unusable.length > 0
      ? { checkId: KMS_KEY_USABLE.id, status: "FAILED", severity: "CRITICAL", reason: `The bucket's KMS key cannot be relied on: ${unusable.join("; ")}.`, details: { unusable } }
      : unavailable.length > 0
        ? { checkId: KMS_KEY_USABLE.id, status: "NOT_AVAILABLE", reason: `The audit of ${unavailable.join(", ")} is not complete, so the key cannot be judged usable.`, errorCode: unavailableCode }
        : { checkId: KMS_KEY_USABLE.id, status: "PASSED", reason: "Every KMS key the bucket uses is enabled and not pending deletion." };
  const checks: CheckResult =
    failedChecks.length > 0
      ? {
          checkId: KMS_KEY_CHECKS.id,
          status: "FAILED",
          severity: maxSeverity(failedChecks.map((f) => f.severity), "LOW"),
          reason: `${failedChecks.length} KMS check(s) fail on the bucket's keys: ${failedChecks.map((f) => f.text).join(" | ")}`,
        }
      : unavailable.length > 0
        ? { checkId: KMS_KEY_CHECKS.id, status: "NOT_AVAILABLE", reason: `The audit of ${unavailable.join(", ")} is not complete, so its checks cannot be judged.`, errorCode: unavailableCode }
        : { checkId: KMS_KEY_CHECKS.id, status: "PASSED", reason: "Every KMS key the bucket uses passes the KMS checks." };
  return [usable, checks];
}

export interface KeyContext {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/**
 * The canonical name of a key reference as S3 reports it: a key ARN or alias ARN stays; a bare key
 * id or `alias/name` becomes an ARN in the bucket's region and account (S3 resolves them there).
 */
export function canonicalKeyRef(ref: string, context: KeyContext): string {
  const trimmed = ref.trim();
  if (trimmed.startsWith("arn:")) return trimmed;
  const prefix = `arn:${context.partition}:kms:${context.region}:${context.accountId}`;
  return trimmed.startsWith("alias/") ? `${prefix}:${trimmed}` : `${prefix}:key/${trimmed}`;
}

export function isAliasArn(ref: string): boolean {
  return /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(ref);
}

/**
 * Audits every distinct key among `refs`: aliases are resolved first (when a resolver is given) so
 * two names of one key cost one call. Returns the result for every original ref.
 */
export async function auditDistinctKeys(
  refs: readonly string[],
  audit: (keyRef: string) => Promise<Fetched<KeyAudit>>,
  resolveAlias?: (aliasArn: string) => Promise<string | undefined>,
  concurrency = 8,
): Promise<Map<string, Fetched<KeyAudit>>> {
  const distinct = [...new Set(refs)];
  const target = new Map<string, string>();
  await Promise.all(
    distinct.map(async (ref) => {
      let resolved: string | undefined;
      if (resolveAlias && isAliasArn(ref)) resolved = await resolveAlias(ref).catch(() => undefined);
      target.set(ref, resolved ?? ref);
    }),
  );
  const keys = [...new Set(target.values())];
  const answers = await mapWithConcurrency(keys, concurrency, (key) => audit(key));
  const byTarget = new Map(keys.map((key, i) => [key, answers[i]!] as const));
  const out = new Map<string, Fetched<KeyAudit>>();
  for (const ref of distinct) out.set(ref, byTarget.get(target.get(ref)!)!);
  return out;
}
