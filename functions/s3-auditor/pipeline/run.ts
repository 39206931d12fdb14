/**
 * The findings pipeline of the S3 auditor, as stages over injected dependencies:
 *   audit -> key stage (one KMS audit API call per distinct key) -> OPA stage -> items
 *   -> gather prior state -> decide (pure) -> apply (Security Hub, then MongoDB) -> summarise.
 * Failure behaviour (docs/findings-pipeline.md): a key audit not fully readable gives NOT_AVAILABLE
 * key findings and a degraded run; MongoDB failing never stops Security Hub from getting every
 * finding, it makes the run partial.
 */
import { randomUUID } from "node:crypto";
import { productArn, type FindingProduct } from "../../shared/cspm/asff";
import { applyToSecurityHub, markPendingInStore, storeWrites } from "./apply";
import { archiveInto, decideArchives, decideFindings } from "./decide";
import { fetchMissingBodies, gatherPriorState, scanScope, storeError } from "./gather";
import { findingItems, keyItems, metadataLookup } from "./items";
import { auditBucketKeys, listAccountKeys } from "./key-checks";
import { opaChecks } from "./opa";
import { runDocument, runStatus } from "./summarise";
import type { AuditScope, PipelineDeps, RunError, RunSummary } from "./types";

/** Runs one audit end to end. Throws only when the audit itself cannot run (no identity, no listing). */
export async function runAudit(scope: AuditScope, deps: PipelineDeps): Promise<RunSummary> {
  const now = deps.now ?? (() => new Date());
  const runId = deps.runId?.() ?? randomUUID();
  const started = now();
  const { report, configurations } = await deps.audit(scope);
  const errors: RunError[] = report.errors.map((e) => ({ source: "audit", code: e.code, message: e.bucket ? `${e.bucket}: ${e.message}` : e.message }));
  const product: FindingProduct = { accountId: report.accountId, partition: report.partition, region: deps.securityHubRegion };
  const arn = productArn(product);

  const bucketScan = scanScope(report, scope);
  // A full scan also audits every key of the audited regions (one audit API call per key, shared with the buckets').
  const inventory = bucketScan.fullScan && !bucketScan.inventoryFailed ? await listAccountKeys(bucketScan.scanRegions, deps) : { keyArns: [], listedRegions: [], errors: [] };
  const keys = await auditBucketKeys(report, deps, inventory.keyArns);
  const opa = deps.opa && configurations ? await opaChecks(deps.opa, report, configurations) : undefined;
  errors.push(...inventory.errors, ...keys.errors, ...(opa?.errors ?? []));
  const ownKeyItems = keyItems(report, inventory.keyArns, keys.keyAudits);
  const items = [...findingItems(report, keys, opa?.results), ...ownKeyItems];

  const scan = { ...bucketScan, keyRegions: inventory.listedRegions };
  const readAt = now();
  const prior = await gatherPriorState(deps, items, scan, arn, readAt, runId);
  errors.push(...prior.errors);
  let storeState = prior.storeState;

  const at = now();
  const plan = decideFindings({ ...prior, items, product, lookup: metadataLookup(deps.metadata, opa), at, refreshAfterDays: deps.refreshAfterDays ?? 7, runId });
  const archives = decideArchives(prior.sweepCandidates, scan, plan.produced, opa?.failedBuckets ?? new Set());
  const missing = archives.filter((a) => !a.prior.finding && !prior.priors.get(a.prior.id)?.finding).map((a) => a.prior.id);
  if (missing.length > 0 && storeState === "ok") {
    try {
      for (const [id, p] of await fetchMissingBodies(deps, missing)) prior.priors.set(id, p);
    } catch (error) {
      storeState = "unavailable";
      errors.push(storeError(error));
    }
  }
  for (const { prior: p, reason } of archives) archiveInto(plan, { product, at, runId }, p.finding ? p : (prior.priors.get(p.id) ?? p), reason);
  errors.push(...plan.errors);

  storeState = await markPendingInStore(deps, plan, { ...prior, storeState }, errors, runId);
  const hub = await applyToSecurityHub(deps, plan, arn, storeState);
  errors.push(...hub.errors);

  const finished = now();
  const status = runStatus(errors, storeState);
  const counts: RunSummary["counts"] = {
    buckets: report.buckets.length,
    kmsKeys: keys.keyAudits.size === 0 ? 0 : new Set([...keys.keyAudits.entries()].map(([ref, a]) => (a.ok && a.value.keyArn ? a.value.keyArn : ref))).size,
    inventoryKeys: new Set(ownKeyItems.map((i) => i.resources[0]!.id)).size,
    kmsApiCalls: keys.kmsApiCalls,
    kmsUnavailable: keys.failedKeys.length,
    findings: plan.built,
    sent: hub.importedIds.size,
    unchanged: plan.unchangedWrites.length,
    archived: hub.archived,
    resolved: hub.resolvedIds.size,
    failed: hub.failedImports,
    securityHubCalls: hub.calls,
    priorFallbackCalls: prior.priorFallbackCalls + hub.lookupCalls,
    storeWrites: 0,
  };
  let written = 0;
  if (deps.store && storeState === "ok") {
    const writes = storeWrites(plan, prior, hub, finished);
    // A full scan that re-sent everything (and lost nothing) supersedes whatever Security Hub got before it read MongoDB.
    const reconciles = prior.resendAll !== undefined && scan.fullScan && scan.scanRegions.length > 0 && !scan.inventoryFailed && status !== "partial";
    try {
      await deps.store.upsertFindings(writes);
      written = writes.length;
      await Promise.all([
        deps.store.recordRun({ ...runDocument(runId, scope, started, finished, status, { ...counts, storeWrites: written }, errors, prior.resendAll), failedKeys: keys.failedKeys }),
        deps.store.noteRun(
          { runId, startedAt: started.toISOString(), finishedAt: finished.toISOString() },
          reconciles ? { reconciledAt: readAt.toISOString() } : prior.resendAll ? { dirtySince: finished.toISOString() } : {},
        ),
      ]);
    } catch (error) {
      storeState = "unavailable";
      errors.push(storeError(error));
      deps.logger?.error("MongoDB write failed: Security Hub has every finding; the next run writes them again", { alarm: "FindingsStoreUnavailable", runId, error: (error as Error).message });
    }
  }
  const summary: RunSummary = {
    runId,
    status: storeState === "ok" ? status : "partial",
    failedKeys: keys.failedKeys,
    scope,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    counts: { ...counts, storeWrites: written },
    store: storeState,
    errors,
    ...(prior.resendAll ? { resendAll: prior.resendAll } : {}),
  };
  deps.logger?.info("S3 audit run finished", { runId, status: summary.status, counts: summary.counts, failedKeys: summary.failedKeys, errors: errors.length });
  return summary;
}
