/**
 * Security Hub sink: BatchImportFindings in batches of at most 100 findings and 6 MB, FailedFindings
 * retried per Id with exponential backoff and full jitter, every call paced by a token bucket at
 * Security Hub's 10 requests/s (burst 30), and BatchUpdateFindings to mark findings RESOLVED.
 */
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  type AwsSecurityFinding,
  type SecurityHubClient,
} from "@aws-sdk/client-securityhub";
import type { FindingComplianceStatus, PriorFinding } from "./asff";
import { awsErrorCode } from "../platform/errors";
import { forEachWithConcurrency } from "../platform/concurrency";

export const MAX_FINDINGS_PER_CALL = 100;
/** 6 MB per request, less room for the envelope. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024 - 1024;
/** Security Hub refuses a single finding over 240 KB. */
export const MAX_FINDING_BYTES = 240 * 1024;

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The part of the SDK client we use; tests pass a mocked `SecurityHubClient`. */
export type SecurityHubSender = Pick<SecurityHubClient, "send">;

/**
 * A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. Callers queue in
 * order, so concurrent senders share the account's request rate fairly.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: Sleep = realSleep,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): Promise<void> {
    const turn = this.queue.then(() => this.acquire());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async acquire(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
    }
  }
}

export interface RetryPolicy {
  /** Attempts per finding (FailedFindings / UnprocessedFindings), the first included. @default 5 */
  readonly maxAttempts: number;
  /** @default 200 */
  readonly baseDelayMs: number;
  /** @default 5000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5000 };

/** Exponential backoff with full jitter: a random delay in [0, min(max, base * 2^attempt)]. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
}

export interface SecurityHubOptions {
  readonly limiter: TokenBucket;
  readonly retry?: RetryPolicy;
  readonly sleep?: Sleep;
  /** Calls in flight at once (the limiter still caps the rate). @default 4 */
  readonly concurrency?: number;
  readonly random?: () => number;
}

export interface FailedId {
  readonly id: string;
  readonly errorCode: string;
  readonly message: string;
}

export interface SendOutcome {
  readonly succeeded: readonly string[];
  readonly failed: readonly FailedId[];
  /** API calls made, retries included. */
  readonly calls: number;
}

/** Error codes that another attempt will not fix. */
const PERMANENT_CODES = new Set(["InvalidInput", "InvalidAccess", "InvalidAccessException", "InvalidInputException", "AccessDeniedException", "FindingTooLarge"]);
function findingBytes(finding: AwsSecurityFinding): number {
  return Buffer.byteLength(JSON.stringify(finding), "utf8");
}

/** Splits findings into batches of at most `maxCount` findings and `maxBytes` of JSON each. */
export function batchFindings(findings: readonly AwsSecurityFinding[], maxCount = MAX_FINDINGS_PER_CALL, maxBytes = MAX_REQUEST_BYTES): AwsSecurityFinding[][] {
  const batches: AwsSecurityFinding[][] = [];
  let current: AwsSecurityFinding[] = [];
  let bytes = 0;
  for (const finding of findings) {
    const size = findingBytes(finding) + 1;
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(finding);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * One call through the limiter. Whole-call errors (throttling, 5xx) are retried by the SDK client
 * itself (the platform's retry policy, functions/shared/platform/aws-clients.ts), never again here:
 * a call that still fails fails every item of its batch with its error code.
 */
async function callOnce<T>(options: SecurityHubOptions, attempt: () => Promise<T>, count: () => void): Promise<{ ok: true; value: T } | { ok: false; code: string; message: string }> {
  await options.limiter.take();
  count();
  try {
    return { ok: true, value: await attempt() };
  } catch (error) {
    return { ok: false, code: awsErrorCode(error), message: (error as Error).message ?? String(error) };
  }
}

/**
 * Imports findings. FailedFindings are retried per Id (re-batched together) with backoff until they
 * succeed, fail permanently or run out of attempts; nothing is dropped silently: every Id ends up
 * in `succeeded` or `failed`.
 */
export async function importFindings(client: SecurityHubSender, findings: readonly AwsSecurityFinding[], options: SecurityHubOptions): Promise<SendOutcome> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? realSleep;
  const succeeded: string[] = [];
  const failed: FailedId[] = [];
  let calls = 0;

  let pending: AwsSecurityFinding[] = [];
  for (const finding of findings) {
    if (findingBytes(finding) > MAX_FINDING_BYTES) failed.push({ id: finding.Id!, errorCode: "FindingTooLarge", message: "The finding is over Security Hub's 240 KB limit." });
    else pending.push(finding);
  }

  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, retry, options.random));
    const retryNext: AwsSecurityFinding[] = [];
    const lastAttempt = attempt + 1 >= retry.maxAttempts;
    await forEachWithConcurrency(batchFindings(pending), options.concurrency ?? 4, async (batch) => {
      const answer = await callOnce(options, () => client.send(new BatchImportFindingsCommand({ Findings: batch })), () => calls++);
      if (!answer.ok) {
        // The whole call failed after its own retries: every finding in it failed.
        for (const f of batch) failed.push({ id: f.Id!, errorCode: answer.code, message: answer.message });
        return;
      }
      const failures = new Map((answer.value.FailedFindings ?? []).map((f) => [f.Id, f]));
      for (const finding of batch) {
        const failure = failures.get(finding.Id);
        if (!failure) {
          succeeded.push(finding.Id!);
        } else if (PERMANENT_CODES.has(failure.ErrorCode ?? "") || lastAttempt) {
          failed.push({ id: finding.Id!, errorCode: failure.ErrorCode ?? "Unknown", message: failure.ErrorMessage ?? "" });
        } else {
          retryNext.push(finding);
        }
      }
    });
    pending = retryNext;
  }
  return { succeeded, failed, calls };
}

/**
 * Sets Workflow RESOLVED on findings (custom findings are not auto-resolved by Security Hub when
 * they pass). At most 100 identifiers a call; UnprocessedFindings retried like FailedFindings.
 */
export async function resolveFindings(
  client: SecurityHubSender,
  identifiers: readonly { readonly id: string; readonly productArn: string }[],
  options: SecurityHubOptions & { readonly note?: string },
): Promise<SendOutcome> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? realSleep;
  const succeeded: string[] = [];
  const failed: FailedId[] = [];
  let calls = 0;
  let pending = [...identifiers];
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, retry, options.random));
    const retryNext: typeof pending = [];
    const lastAttempt = attempt + 1 >= retry.maxAttempts;
    const batches: (typeof pending)[] = [];
    for (let i = 0; i < pending.length; i += MAX_FINDINGS_PER_CALL) batches.push(pending.slice(i, i + MAX_FINDINGS_PER_CALL));
    await forEachWithConcurrency(batches, options.concurrency ?? 4, async (batch) => {
      const answer = await callOnce(
        options,
        () =>
          client.send(
            new BatchUpdateFindingsCommand({
              FindingIdentifiers: batch.map((b) => ({ Id: b.id, ProductArn: b.productArn })),
              Workflow: { Status: "RESOLVED" },
              Note: { Text: options.note ?? "Resolved automatically: the check passes now.", UpdatedBy: "cspm-s3-auditor" },
            }),
          ),
        () => calls++,
      );
      if (!answer.ok) {
        for (const b of batch) failed.push({ id: b.id, errorCode: answer.code, message: answer.message });
        return;
      }
      const unprocessed = new Map((answer.value.UnprocessedFindings ?? []).map((u) => [u.FindingIdentifier?.Id, u]));
      for (const b of batch) {
        const u = unprocessed.get(b.id);
        if (!u) succeeded.push(b.id);
        else if (PERMANENT_CODES.has(u.ErrorCode ?? "") || lastAttempt) failed.push({ id: b.id, errorCode: u.ErrorCode ?? "Unknown", message: u.ErrorMessage ?? "" });
        else retryNext.push(b);
      }
    });
    pending = retryNext;
  }
  return { succeeded, failed, calls };
}

/** The prior state of a finding as Security Hub holds it. */
export function priorFromFinding(finding: AwsSecurityFinding): PriorFinding | undefined {
  if (!finding.Id || !finding.CreatedAt || !finding.UpdatedAt) return undefined;
  const status = (finding.Compliance?.Status ?? "NOT_AVAILABLE") as FindingComplianceStatus;
  return {
    id: finding.Id,
    createdAt: finding.CreatedAt,
    firstObservedAt: finding.FirstObservedAt ?? finding.CreatedAt,
    updatedAt: finding.UpdatedAt,
    status,
    recordState: finding.RecordState === "ARCHIVED" ? "ARCHIVED" : "ACTIVE",
    lastSentAt: finding.UpdatedAt,
    finding,
  };
}

/**
 * Reads our own findings for some resources back from Security Hub (GetFindings, 20 resource ids a
 * filter, paginated). The fallback for prior state when MongoDB cannot answer, so CreatedAt stays
 * the first-seen time even for findings first sent while MongoDB was down. Pace it with its own
 * limiter: GetFindings is limited to 3 requests/s (burst 6).
 */
export async function fetchPriorFindings(
  client: SecurityHubSender,
  product: string,
  resourceIds: readonly string[],
  options: SecurityHubOptions,
): Promise<{ readonly priors: Map<string, PriorFinding>; readonly calls: number }> {
  const priors = new Map<string, PriorFinding>();
  const calls = await findingsMatching(client, product, "ResourceId", [...new Set(resourceIds)], options, (f) => {
    const prior = priorFromFinding(f);
    if (prior) priors.set(prior.id, prior);
  });
  return { priors, calls };
}

/**
 * Our findings whose `field` (Id or ResourceId) is one of `values`: GetFindings with 20 values a
 * filter, paginated, whole-call errors retried; each finding handed to `each`. Returns the calls
 * made; throws (with `calls`) when a call keeps failing.
 */
async function findingsMatching(
  client: SecurityHubSender,
  product: string,
  field: "Id" | "ResourceId",
  values: readonly string[],
  options: SecurityHubOptions,
  each: (finding: AwsSecurityFinding) => void,
): Promise<number> {
  let calls = 0;
  const groups: string[][] = [];
  for (let i = 0; i < values.length; i += 20) groups.push(values.slice(i, i + 20));
  await forEachWithConcurrency(groups, options.concurrency ?? 2, async (group) => {
    let nextToken: string | undefined;
    do {
      const answer = await callOnce(
        options,
        () =>
          client.send(
            new GetFindingsCommand({
              Filters: { ProductArn: [{ Value: product, Comparison: "EQUALS" }], [field]: group.map((value) => ({ Value: value, Comparison: "EQUALS" })) },
              MaxResults: 100,
              NextToken: nextToken,
            }),
          ),
        () => calls++,
      );
      if (!answer.ok) throw Object.assign(new Error(answer.message), { name: answer.code, calls });
      for (const f of answer.value.Findings ?? []) each(f);
      nextToken = answer.value.NextToken || undefined;
    } while (nextToken);
  });
  return calls;
}

/**
 * ProductFields key set ("true") on every finding imported by a run that could not record it in
 * MongoDB (MongoDB unreachable when the run read its prior state or marked what it was about to send).
 * Security Hub then holds the evidence that MongoDB's "last sent" fingerprints may be stale.
 */
export const UNRECORDED_FIELD = "cspm/unrecorded";

/** A copy of the finding carrying the unrecorded marker. */
export function markUnrecorded(finding: AwsSecurityFinding): AwsSecurityFinding {
  return { ...finding, ProductFields: { ...(finding.ProductFields ?? {}), [UNRECORDED_FIELD]: "true" } };
}

/** The finding without the unrecorded marker (the same object when it has none). */
export function withoutUnrecordedMarker(finding: AwsSecurityFinding): AwsSecurityFinding {
  if (!finding.ProductFields || !(UNRECORDED_FIELD in finding.ProductFields)) return finding;
  const { [UNRECORDED_FIELD]: _marker, ...rest } = finding.ProductFields;
  return { ...finding, ProductFields: rest };
}

/**
 * Whether Security Hub holds any of our findings imported without being recorded in MongoDB, last
 * observed at or after `since` (all of them without it): ONE GetFindings call (MaxResults 1)
 * through the GetFindings limiter. Throws when the call fails (after the SDK's own retries).
 */
export async function findUnrecordedFindings(
  client: SecurityHubSender,
  product: string,
  window: { readonly since?: string; readonly until: string },
  options: SecurityHubOptions,
): Promise<{ readonly found: boolean; readonly calls: number }> {
  let calls = 0;
  const answer = await callOnce(
    options,
    () =>
      client.send(
        new GetFindingsCommand({
          Filters: {
            ProductArn: [{ Value: product, Comparison: "EQUALS" }],
            ProductFields: [{ Key: UNRECORDED_FIELD, Value: "true", Comparison: "EQUALS" }],
            ...(window.since ? { LastObservedAt: [{ Start: window.since, End: window.until }] } : {}),
          },
          MaxResults: 1,
        }),
      ),
    () => calls++,
  );
  if (!answer.ok) throw Object.assign(new Error(answer.message), { name: answer.code, calls });
  return { found: (answer.value.Findings ?? []).length > 0, calls };
}

/**
 * The Workflow status Security Hub holds for some of our findings (GetFindings by Id, 20 a filter).
 * The pipeline never resolves a finding a user SUPPRESSED. Throws when a call keeps failing.
 */
export async function workflowStatuses(
  client: SecurityHubSender,
  product: string,
  ids: readonly string[],
  options: SecurityHubOptions,
): Promise<{ readonly statuses: Map<string, string>; readonly calls: number }> {
  const statuses = new Map<string, string>();
  const wanted = new Set(ids);
  const calls = await findingsMatching(client, product, "Id", [...wanted], options, (f) => {
    if (f.Id && wanted.has(f.Id) && f.Workflow?.Status) statuses.set(f.Id, f.Workflow.Status);
  });
  return { statuses, calls };
}
