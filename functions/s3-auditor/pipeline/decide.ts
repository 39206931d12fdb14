/**
 * Decide (pure): from this run's items and the prior state, what to send to Security Hub, what is
 * unchanged, what to resolve and what to archive. No I/O: every input is already fetched.
 */
import type { AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import { archiveFinding, buildFinding, fingerprint, type FindingComplianceStatus, type FindingProduct, type MetadataLookup, type PriorFinding } from "../../shared/cspm/asff";
import type { Severity } from "../../shared/cspm/check";
import type { FindingWrite, PriorRecord } from "../../shared/cspm/findings-store";
import { withoutUnrecordedMarker } from "../../shared/cspm/security-hub";
import { checkOf, resourceOf, type ScanScope } from "./gather";
import { OPA_UNAVAILABLE_PREFIX } from "./opa";
import type { Item, ResendReason, RunError } from "./types";

const DAY_MS = 86_400_000;

export interface DecideInput {
  readonly items: readonly Item[];
  readonly priors: ReadonlyMap<string, PriorFinding>;
  /** Ids MongoDB has a record of. */
  readonly storeKnown: ReadonlySet<string>;
  readonly resendAll?: ResendReason;
  readonly product: FindingProduct;
  readonly lookup: MetadataLookup;
  readonly at: Date;
  /** Re-send unchanged findings after this many days (< 90). */
  readonly refreshAfterDays: number;
  readonly runId: string;
}

/** What the run will do with Security Hub and MongoDB. Built by decideFindings, extended by decideArchives. */
export interface Plan {
  readonly toSend: AwsSecurityFinding[];
  /** MongoDB writes of what is sent, by finding Id. */
  readonly writes: Map<string, FindingWrite>;
  /** Findings not re-sent: MongoDB only notes they were observed. */
  readonly unchangedWrites: FindingWrite[];
  /** Findings that pass now after failing (or after Security Hub reset them): resolve once imported. */
  readonly resolveCandidates: Set<string>;
  /** Finding Ids this run produced (never archived by the sweep). */
  readonly produced: Set<string>;
  /** Active findings built (NOT_APPLICABLE results build none). */
  built: number;
  readonly errors: RunError[];
}

function writeFor(input: Pick<DecideInput, "product" | "at" | "runId">, f: AwsSecurityFinding, prior: PriorFinding | undefined, status: FindingComplianceStatus, checkId: string): FindingWrite {
  const at = input.at.toISOString();
  const recordState = f.RecordState === "ARCHIVED" ? "ARCHIVED" : "ACTIVE";
  return {
    id: f.Id!,
    resourceId: f.Resources![0]!.Id!,
    resourceType: f.Resources![0]!.Type as FindingWrite["resourceType"],
    resourceRegion: f.Resources![0]!.Region ?? input.product.region,
    checkId,
    status,
    severity: (f.Severity?.Label ?? "INFORMATIONAL") as Severity,
    recordState,
    createdAt: f.CreatedAt!,
    firstObservedAt: f.FirstObservedAt ?? f.CreatedAt!,
    updatedAt: f.UpdatedAt!,
    lastObservedAt: at,
    lastSentAt: at,
    fingerprint: fingerprint(f),
    finding: f,
    statusChanged: !prior || prior.status !== status || prior.recordState !== recordState,
    runId: input.runId,
  };
}

/**
 * Archives `prior` into the plan (once). `again`: MongoDB says ARCHIVED but cannot be trusted, so
 * archive again (Security Hub may show it ACTIVE).
 */
export function archiveInto(plan: Plan, input: Pick<DecideInput, "product" | "at" | "runId">, prior: PriorFinding, reason: string, again = false): void {
  if (plan.writes.has(prior.id) || (prior.recordState !== "ACTIVE" && !again)) return;
  const built = archiveFinding(prior, input.at, reason);
  // A finding read back from Security Hub may carry the unrecorded marker: this run records what it sends.
  const archived = built && withoutUnrecordedMarker(built);
  if (!archived) {
    plan.errors.push({ source: "store", code: "NoStoredFinding", message: `Cannot archive ${prior.id}: its last finding was not stored.` });
    return;
  }
  plan.toSend.push(archived);
  plan.writes.set(prior.id, writeFor(input, archived, prior, prior.status, checkOf(prior) ?? archived.GeneratorId!));
}

/** Builds, for every item, the finding to send or the note that it is unchanged, and what to resolve. */
export function decideFindings(input: DecideInput): Plan {
  const plan: Plan = { toSend: [], writes: new Map(), unchangedWrites: [], resolveCandidates: new Set(), produced: new Set(), built: 0, errors: [] };
  const { at, priors, resendAll } = input;
  const refreshMs = Math.min(input.refreshAfterDays, 89) * DAY_MS;
  for (const item of input.items) {
    plan.produced.add(item.id);
    const prior = priors.get(item.id);
    if (item.result.status === "NOT_APPLICABLE") {
      // Never an active finding: archive one that exists, otherwise send nothing.
      if (prior) archiveInto(plan, input, prior, `Not applicable: ${item.result.reason}`, resendAll !== undefined && input.storeKnown.has(item.id));
      continue;
    }
    const finding = buildFinding({ product: input.product, result: item.result, resources: item.resources, prior, now: at }, input.lookup);
    plan.built++;
    const status = item.result.status as FindingComplianceStatus;
    const unchanged =
      resendAll === undefined &&
      prior !== undefined &&
      prior.recordState === "ACTIVE" &&
      prior.fingerprint === fingerprint(finding) &&
      prior.lastSentAt !== undefined &&
      at.getTime() - Date.parse(prior.lastSentAt) < refreshMs &&
      !prior.resolvePending;
    if (unchanged && prior.finding) {
      plan.unchangedWrites.push({
        ...writeFor(input, prior.finding, prior, status, item.result.checkId),
        lastObservedAt: at.toISOString(),
        lastSentAt: prior.lastSentAt,
        updatedAt: prior.updatedAt,
        statusChanged: false,
        ifFingerprint: prior.fingerprint,
      });
      continue;
    }
    plan.toSend.push(finding);
    plan.writes.set(item.id, writeFor(input, finding, prior, status, item.result.checkId));
    // Custom findings are never auto-resolved, and Security Hub resets RESOLVED to NEW on FAILED/WARNING/
    // NOT_AVAILABLE and on ARCHIVED -> ACTIVE: a finding that passes now after any of those must be resolved.
    // MongoDB untrusted: its PASSED may hide a FAILED that Security Hub reset to NEW, so resolve every PASSED.
    if (status === "PASSED" && prior && (prior.status !== "PASSED" || prior.recordState === "ARCHIVED" || prior.resolvePending || resendAll)) plan.resolveCandidates.add(item.id);
  }
  return plan;
}

/** Active findings in the scanned scope that this run no longer produces, with the reason to archive each. */
export function decideArchives(sweepCandidates: readonly PriorFinding[], scan: ScanScope, produced: ReadonlySet<string>, opaFailedBuckets: ReadonlySet<string>): { prior: PriorFinding; reason: string }[] {
  const toArchive: { prior: PriorFinding; reason: string }[] = [];
  for (const prior of sweepCandidates) {
    const resource = resourceOf(prior);
    if (!resource || produced.has(prior.id)) continue;
    if (/^arn:[^:]+:kms:/.test(resource)) {
      // A key's findings: archived only by a full scan that listed the key's region without it.
      if (scan.fullScan && scan.keyRegions?.includes(resource.split(":")[3] ?? "")) toArchive.push({ prior, reason: "The KMS key no longer exists, or is no longer customer managed, or the check no longer reports on it." });
      continue;
    }
    if (scan.deletedArns.has(resource)) toArchive.push({ prior, reason: "The bucket was deleted." });
    else if (scan.auditedArns.has(resource)) {
      // OPA did not answer: its earlier findings stand until it does.
      if (opaFailedBuckets.has(resource) && checkOf(prior)?.startsWith(`${OPA_UNAVAILABLE_PREFIX}/`)) continue;
      toArchive.push({ prior, reason: "The check no longer reports on this bucket." });
    } else if (
      scan.fullScan &&
      !scan.inventoryFailed &&
      !scan.erroredArns.has(resource) &&
      scan.scanRegions.includes((prior as Partial<PriorRecord>).resourceRegion ?? prior.finding?.Resources?.[0]?.Region ?? "")
    ) {
      toArchive.push({ prior, reason: "The bucket no longer exists." });
    }
  }
  return toArchive;
}
