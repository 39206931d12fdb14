/** The KMS key audit: fetch the facts, run every check, shape the KeyAudit. */
import type { KeyAudit } from "../audit-types";
import { KMS_CHECKS } from "./checks/registry";
import type { AuditParams, KeyFacts } from "./facts";
import { fetchKeyFacts, keyEssentials, type KmsDeps } from "./fetch";
import type { KeyRef } from "./key-ref";

export const CHECK_IDS: readonly string[] = KMS_CHECKS.map((c) => c.metadata.id);

/** Runs every check on already-fetched facts (pure). */
export function judgeKey(facts: KeyFacts): KeyAudit {
  const results = KMS_CHECKS.map((check) => check.evaluate(facts));
  const m = facts.metadata.ok ? facts.metadata.value : undefined;
  const rotation = facts.rotation?.ok ? facts.rotation.value : undefined;
  const keyFacts: Record<string, unknown> = m ? keyEssentials(m, facts.ref.region) : { keyReference: facts.ref.input };
  if (rotation) {
    keyFacts.rotationEnabled = rotation.enabled;
    if (rotation.periodInDays !== undefined) keyFacts.rotationPeriodInDays = rotation.periodInDays;
  }
  return {
    keyId: m?.KeyId ?? facts.ref.input,
    keyArn: m?.Arn ?? (facts.ref.form === "key-arn" ? facts.ref.input : ""),
    region: facts.ref.region,
    accountId: m?.AWSAccountId ?? facts.ref.accountId ?? "",
    facts: keyFacts,
    results,
  };
}

/** Audits one key: 2 or 3 KMS calls, then the checks. */
export async function auditKey(deps: KmsDeps, ref: KeyRef, params: AuditParams): Promise<KeyAudit> {
  return judgeKey(await fetchKeyFacts(deps, ref, params));
}
