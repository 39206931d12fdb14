/**
 * The one ASFF builder both auditors use: a pure function from a check's metadata and result, the
 * resource it judged and what we knew about the finding before, to an AWS Security Finding.
 *
 * Lifecycle rules it enforces (see docs/findings-pipeline.md):
 * - the Id is stable: the same resource and check give the same Id on every run;
 * - CreatedAt and FirstObservedAt come from the first time the finding was seen;
 * - UpdatedAt (and LastObservedAt) are strictly later than the last value sent, because Security Hub
 *   ignores an update whose UpdatedAt is not newer;
 * - NOT_APPLICABLE is never an active finding: the caller archives an existing one or sends nothing.
 */
import { createHash } from "node:crypto";
import type { AwsSecurityFinding, ComplianceStatus, Partition, RecordState, SeverityLabel } from "@aws-sdk/client-securityhub";
import type { CheckMetadata, CheckResult, CheckStatus, ResourceType, Severity } from "./check";
import { PlatformError } from "../platform/errors";

export const ASFF_SCHEMA_VERSION = "2018-10-08";
export const FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices";
/** ASFF limits. */
export const MAX_ID_LENGTH = 512;
export const MAX_TITLE_LENGTH = 256;
export const MAX_DESCRIPTION_LENGTH = 1024;
export const MAX_REMEDIATION_TEXT_LENGTH = 512;
const PRODUCT_FIELD_VALUE_LENGTH = 2048;

/** The statuses that become active findings. */
export type FindingComplianceStatus = Exclude<CheckStatus, "NOT_APPLICABLE">;

/** What the findings store remembers of a finding between runs. */
export interface PriorFinding {
  readonly id: string;
  readonly createdAt: string;
  readonly firstObservedAt: string;
  /** The last UpdatedAt sent to Security Hub. */
  readonly updatedAt: string;
  readonly status: FindingComplianceStatus;
  readonly recordState: "ACTIVE" | "ARCHIVED";
  /** When Security Hub last accepted this finding (drives the < 90-day refresh). */
  readonly lastSentAt?: string;
  /** Fingerprint of the last content sent: a change means the finding must be re-sent. */
  readonly fingerprint?: string;
  /** It passed after failing but BatchUpdateFindings did not mark it RESOLVED yet. */
  readonly resolvePending?: boolean;
  /** The last finding sent, so it can be archived without re-deriving it. */
  readonly finding?: AwsSecurityFinding;
}

export interface FindingResource {
  readonly type: ResourceType;
  /** ARN, or `AWS::::Account:<id>` for the account. */
  readonly id: string;
  readonly partition: string;
  readonly region: string;
}

/** Where findings are imported: the account's default product in one Security Hub region. */
export interface FindingProduct {
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
}

export interface BuildFindingInput {
  readonly product: FindingProduct;
  readonly result: CheckResult;
  /** The resource judged first; more (e.g. the KMS key a bucket uses) may follow. At most 32. */
  readonly resources: readonly FindingResource[];
  readonly prior?: PriorFinding;
  readonly now: Date;
}

/** Finds the metadata of a check id; the auditors own their metadata. */
export type MetadataLookup = (checkId: string) => CheckMetadata | undefined;

export class UnknownCheckError extends PlatformError {
  constructor(readonly checkId: string) {
    super("UnknownCheck", `No metadata for check ${checkId}: register it with the auditor's metadata lookup.`);
  }
}

export function productArn(product: FindingProduct): string {
  return `arn:${product.partition}:securityhub:${product.region}:${product.accountId}:product/${product.accountId}/default`;
}

export function accountResourceId(accountId: string): string {
  return `AWS::::Account:${accountId}`;
}

/**
 * Stable finding Id: `<resourceId>/<checkId>` when it fits ASFF's 512 characters (readable in the
 * console and in MongoDB), otherwise `<checkId prefix>/<sha256 of both>`. Deterministic either way.
 */
export function findingId(resourceId: string, checkId: string): string {
  const readable = `${resourceId}/${checkId}`;
  if (readable.length <= MAX_ID_LENGTH) return readable;
  const digest = createHash("sha256").update(resourceId).update("\u0000").update(checkId).digest("hex");
  return `${truncate(checkId, MAX_ID_LENGTH - digest.length - 1, "")}/${digest}`;
}

/** Truncates by code point (never splitting a surrogate pair) and marks the cut. */
export function truncate(text: string, max: number, marker = "…"): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - Array.from(marker).length)).join("") + marker;
}

/** Length in code points, the unit ASFF limits count. */
function length(text: string): number {
  return Array.from(text).length;
}

/** An UpdatedAt strictly later than the prior one, even if clocks or retries say otherwise. */
export function nextTimestamp(now: Date, priorUpdatedAt?: string): string {
  const prior = priorUpdatedAt ? Date.parse(priorUpdatedAt) : Number.NaN;
  const at = Number.isNaN(prior) || now.getTime() > prior ? now.getTime() : prior + 1;
  return new Date(at).toISOString();
}

function isFindingStatus(status: CheckStatus): status is FindingComplianceStatus {
  return status !== "NOT_APPLICABLE";
}

/** A digest of what the finding says; unchanged content need only be re-sent before expiry. */
export function fingerprint(finding: AwsSecurityFinding): string {
  const content = {
    title: finding.Title,
    description: finding.Description,
    severity: finding.Severity?.Label,
    status: finding.Compliance?.Status,
    recordState: finding.RecordState,
    resources: finding.Resources?.map((r) => [r.Type, r.Id, r.Region]),
    remediation: finding.Remediation?.Recommendation,
  };
  return createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 32);
}

/**
 * Builds the full ASFF finding for one check result. Throws `UnknownCheckError` when the lookup has
 * no metadata (a programming error: every emitted check must be registered) and refuses
 * NOT_APPLICABLE results, which are archived or skipped by the caller.
 */
export function buildFinding(input: BuildFindingInput, lookup: MetadataLookup): AwsSecurityFinding {
  const { result, product, resources, prior, now } = input;
  const metadata = lookup(result.checkId);
  if (!metadata) throw new UnknownCheckError(result.checkId);
  if (!isFindingStatus(result.status)) {
    throw new PlatformError("NotApplicable", `Check ${result.checkId} is NOT_APPLICABLE: archive or skip it, do not build an active finding.`);
  }
  if (resources.length < 1 || resources.length > 32) {
    throw new PlatformError("InvalidResources", `A finding needs 1 to 32 resources; ${result.checkId} has ${resources.length}.`);
  }
  const primary = resources[0]!;
  const severity: Severity = result.severity ?? metadata.severity;
  const updatedAt = nextTimestamp(now, prior?.updatedAt);
  const createdAt = prior?.createdAt ?? updatedAt;
  const firstObservedAt = prior?.firstObservedAt ?? createdAt;

  const reason = result.errorCode ? `${result.reason} (error: ${result.errorCode})` : result.reason;
  const description = truncate(`${statusPhrase(result.status)}: ${reason}\n\n${metadata.description}`.trim(), MAX_DESCRIPTION_LENGTH);

  const productFields: Record<string, string> = {
    "cspm/checkId": metadata.id,
    "cspm/status": result.status,
  };
  if (metadata.securityHubControl) productFields["cspm/control"] = metadata.securityHubControl;
  if (result.errorCode) productFields["cspm/errorCode"] = truncate(result.errorCode, PRODUCT_FIELD_VALUE_LENGTH);

  const remediationText = truncate(metadata.remediation.text || metadata.title, MAX_REMEDIATION_TEXT_LENGTH);
  const types = [FINDING_TYPE];
  const finding: AwsSecurityFinding = {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: findingId(primary.id, metadata.id),
    ProductArn: productArn(product),
    GeneratorId: metadata.id,
    AwsAccountId: product.accountId,
    Types: types,
    CreatedAt: createdAt,
    UpdatedAt: updatedAt,
    FirstObservedAt: firstObservedAt,
    LastObservedAt: updatedAt,
    Severity: { Label: severity as SeverityLabel, Original: severity },
    FindingProviderFields: { Severity: { Label: severity as SeverityLabel, Original: severity }, Types: types },
    Title: truncate(metadata.title.trim() || metadata.id, MAX_TITLE_LENGTH),
    Description: length(description) > 0 ? description : truncate(metadata.id, MAX_DESCRIPTION_LENGTH),
    Remediation: { Recommendation: metadata.remediation.url ? { Text: remediationText, Url: metadata.remediation.url } : { Text: remediationText } },
    ProductFields: productFields,
    Compliance: { Status: result.status as ComplianceStatus },
    Resources: resources.map((r) => ({ Type: r.type, Id: r.id, Partition: r.partition as Partition, Region: r.region })),
    RecordState: "ACTIVE" as RecordState,
  };
  return finding;
}

/**
 * The archived version of a finding sent before: same content, RecordState ARCHIVED, UpdatedAt moved
 * past the last one sent. Used for deleted resources, checks that no longer apply, and findings of
 * scanned resources that this run no longer produces.
 */
export function archiveFinding(prior: PriorFinding, now: Date, reason: string): AwsSecurityFinding | undefined {
  if (!prior.finding) return undefined;
  const updatedAt = nextTimestamp(now, prior.updatedAt);
  // A finding read back with GetFindings carries customer-owned fields (BatchUpdateFindings only) and
  // fields Security Hub fills in: never send those back through BatchImportFindings.
  const { Workflow: _w, WorkflowState: _ws, Note: _n, UserDefinedFields: _u, VerificationState: _v, ProcessedAt: _p, ...providerFields } = prior.finding;
  return {
    ...providerFields,
    CreatedAt: prior.createdAt,
    FirstObservedAt: prior.firstObservedAt,
    UpdatedAt: updatedAt,
    RecordState: "ARCHIVED" as RecordState,
    ProductFields: { ...(prior.finding.ProductFields ?? {}), "cspm/archivedBecause": truncate(reason, PRODUCT_FIELD_VALUE_LENGTH) },
  };
}

function statusPhrase(status: FindingComplianceStatus): string {
  switch (status) {
    case "PASSED":
      return "Passed";
    case "FAILED":
      return "Failed";
    case "WARNING":
      return "Warning";
    case "NOT_AVAILABLE":
      return "Could not be evaluated";
  }
}
