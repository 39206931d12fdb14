/**
 * OPA as a check stage: each bucket's normalised configuration is evaluated by the OPA Data API;
 * every deny message becomes a FAILED finding of its own, and an OPA that did not answer gives one
 * NOT_AVAILABLE finding (never a pass).
 */
import { createHash } from "node:crypto";
import type { S3AuditReport } from "../../shared/cspm/audit-types";
import { SEVERITY_ORDER, type CheckMetadata, type CheckResult, type Fetched, type Severity } from "../../shared/cspm/check";
import { mapWithConcurrency } from "../../shared/platform/concurrency";
import type { OpaSettings, RunError } from "./types";

export const OPA_UNAVAILABLE_PREFIX = "opa";

function opaCheckId(path: string, message?: string): string {
  const base = `${OPA_UNAVAILABLE_PREFIX}/${path}`;
  return message === undefined ? base : `${base}/${createHash("sha256").update(message).digest("hex").slice(0, 16)}`;
}

/** Unwraps `Fetched` values recursively so OPA sees plain configuration (`{ unavailable: code }` where a read failed). */
export function normaliseConfiguration(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseConfiguration);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (typeof obj.ok === "boolean" && (("value" in obj && obj.ok) || ("errorCode" in obj && !obj.ok))) {
      return obj.ok ? normaliseConfiguration(obj.value) : { unavailable: obj.errorCode };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = normaliseConfiguration(v);
    return out;
  }
  return value;
}

interface OpaDeny {
  readonly message: string;
  readonly severity?: Severity;
}

/** Evaluates one bucket's configuration with OPA's Data API; the deny messages, or an error code. */
export async function evaluateOpa(opa: OpaSettings, input: unknown): Promise<Fetched<OpaDeny[]>> {
  const url = `${opa.url.replace(/\/+$/, "")}/v1/data/${opa.path.replace(/^\/+/, "")}`;
  try {
    const response = await (opa.fetch ?? fetch)(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input }),
      signal: AbortSignal.timeout(opa.timeoutMs ?? 3000),
    });
    if (response.status !== 200) return { ok: false, errorCode: `OpaError${response.status}`, message: (await response.text()).slice(0, 300) };
    const body = (await response.json()) as { result?: unknown };
    const result = body.result;
    const raw = Array.isArray(result) ? result : result && typeof result === "object" && Array.isArray((result as { deny?: unknown }).deny) ? (result as { deny: unknown[] }).deny : [];
    const denies = raw
      .map((d): OpaDeny | undefined => {
        if (typeof d === "string") return { message: d };
        if (d && typeof d === "object" && typeof (d as { msg?: unknown }).msg === "string") {
          const severity = (d as { severity?: unknown }).severity;
          const s = typeof severity === "string" ? severity.toUpperCase() : undefined;
          return { message: (d as { msg: string }).msg, severity: SEVERITY_ORDER.includes(s as Severity) ? (s as Severity) : undefined };
        }
        return undefined;
      })
      .filter((d): d is OpaDeny => d !== undefined);
    return { ok: true, value: denies };
  } catch (error) {
    const e = error as Error;
    return { ok: false, errorCode: e.name === "TimeoutError" ? "OpaTimeout" : "OpaUnreachable", message: e.message };
  }
}

export interface OpaOutcome {
  /** Metadata of every OPA check this run produced. */
  readonly metadata: ReadonlyMap<string, CheckMetadata>;
  /** Results per bucket name. */
  readonly results: ReadonlyMap<string, CheckResult[]>;
  /** ARNs of buckets OPA did not evaluate (their earlier OPA findings are kept, not archived). */
  readonly failedBuckets: ReadonlySet<string>;
  readonly errors: readonly RunError[];
}

/** Evaluates every bucket with OPA (8 at a time). */
export async function opaChecks(opa: OpaSettings, report: S3AuditReport, configurations: ReadonlyMap<string, unknown>): Promise<OpaOutcome> {
  const errors: RunError[] = [];
  const metadata = new Map<string, CheckMetadata>();
  const failedBuckets = new Set<string>();
  const results = new Map<string, CheckResult[]>();
  const unavailableMeta: CheckMetadata = {
    id: opaCheckId(opa.path),
    title: `OPA policy ${opa.path} could be evaluated`,
    severity: "LOW",
    resourceType: "AwsS3Bucket",
    description: `The bucket's configuration is evaluated by the OPA policy ${opa.path}.`,
    remediation: { text: "Check that the OPA endpoint is reachable from the S3 auditor and that the policy path exists." },
  };
  metadata.set(unavailableMeta.id, unavailableMeta);
  await mapWithConcurrency(report.buckets, 8, async (bucket) => {
    const config = configurations.get(bucket.bucket);
    if (config === undefined) return;
    const answer = await evaluateOpa(opa, normaliseConfiguration(config));
    const bucketResults: CheckResult[] = [];
    if (!answer.ok) {
      failedBuckets.add(bucket.arn);
      errors.push({ source: "opa", code: answer.errorCode, message: `${bucket.bucket}: ${answer.message ?? ""}` });
      bucketResults.push({ checkId: unavailableMeta.id, status: "NOT_AVAILABLE", reason: `OPA did not evaluate the bucket: ${answer.message ?? answer.errorCode}`, errorCode: answer.errorCode });
    } else {
      bucketResults.push({ checkId: unavailableMeta.id, status: "NOT_APPLICABLE", reason: "OPA evaluated the bucket." });
      for (const deny of answer.value) {
        const id = opaCheckId(opa.path, deny.message);
        metadata.set(id, {
          id,
          title: `OPA policy ${opa.path}: ${deny.message}`,
          severity: deny.severity ?? "MEDIUM",
          resourceType: "AwsS3Bucket",
          description: `The OPA policy ${opa.path} denies the bucket's configuration: ${deny.message}`,
          remediation: { text: `Change the bucket's configuration so that ${opa.path} no longer denies it: ${deny.message}` },
        });
        bucketResults.push({ checkId: id, status: "FAILED", reason: deny.message });
      }
    }
    results.set(bucket.bucket, bucketResults);
  });
  return { metadata, results, failedBuckets, errors };
}
