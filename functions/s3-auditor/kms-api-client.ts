/**
 * Client of the KMS auditor's API (`POST /audit-key`, IAM auth): requests signed with SigV4 for
 * `execute-api` with the caller's credentials, a timeout per attempt, retries with backoff and
 * jitter on 429, 5xx and network errors, and one call per distinct key per run.
 *
 * Node's built-in fetch (undici, in the nodejs22.x runtime) sends the request: same API as
 * node-fetch without the dependency.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import * as z from "zod/mini";
import type { Fetched } from "../shared/check";
import type { KeyAudit } from "../shared/audit-types";
import { realSleep, type Sleep } from "../shared/security-hub";

export interface KmsApiClientOptions {
  /** Base URL of the API stage, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly endpoint: string;
  /** Region of the API, used in the signature. */
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** Attempts per key, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** @default 250 */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included. @default 5000 */
  readonly maxDelayMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: Sleep;
  readonly random?: () => number;
}

const checkResultSchema = z.object({
  checkId: z.string().check(z.minLength(1)),
  status: z.enum(["PASSED", "FAILED", "WARNING", "NOT_APPLICABLE", "NOT_AVAILABLE"]),
  reason: z.string(),
  severity: z.optional(z.enum(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"])),
  errorCode: z.optional(z.string()),
  details: z.optional(z.record(z.string(), z.unknown())),
});

const keyAuditSchema = z.object({
  keyId: z.string().check(z.minLength(1)),
  keyArn: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  accountId: z.string().check(z.minLength(1)),
  facts: z.record(z.string(), z.unknown()),
  results: z.array(checkResultSchema),
});

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

export class KmsAuditApiClient {
  private readonly signer: SignatureV4;
  private readonly url: URL;
  /** One request per distinct key for the life of this client (create one per run). */
  private readonly inFlight = new Map<string, Promise<Fetched<KeyAudit>>>();
  /** HTTP requests made, retries included. */
  requests = 0;

  constructor(private readonly options: KmsApiClientOptions) {
    this.signer = new SignatureV4({ service: "execute-api", region: options.region, credentials: options.credentials, sha256: Sha256 });
    this.url = new URL(options.endpoint.replace(/\/+$/, "") + "/audit-key");
  }

  /** Audits one key (a key ARN, or an alias ARN the API resolves); the same key is asked once. */
  auditKey(keyRef: string): Promise<Fetched<KeyAudit>> {
    let pending = this.inFlight.get(keyRef);
    if (!pending) {
      pending = this.fetchWithRetry(keyRef);
      this.inFlight.set(keyRef, pending);
    }
    return pending;
  }

  private async fetchWithRetry(keyRef: string): Promise<Fetched<KeyAudit>> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    const sleep = this.options.sleep ?? realSleep;
    let last: Fetched<KeyAudit> = { ok: false, errorCode: "KmsAuditApiUnreachable" };
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const outcome = await this.attempt(keyRef);
      if (outcome.kind === "done") return outcome.result;
      last = outcome.result;
      if (attempt + 1 < maxAttempts) await sleep(this.delay(attempt, outcome.retryAfterMs));
    }
    return last;
  }

  private delay(attempt: number, retryAfterMs?: number): number {
    const max = this.options.maxDelayMs ?? 5000;
    if (retryAfterMs !== undefined) return Math.min(max, retryAfterMs);
    const random = this.options.random ?? Math.random;
    return Math.floor(random() * Math.min(max, (this.options.baseDelayMs ?? 250) * 2 ** attempt));
  }

  private async attempt(keyRef: string): Promise<{ kind: "done"; result: Fetched<KeyAudit> } | { kind: "retry"; result: Fetched<KeyAudit>; retryAfterMs?: number }> {
    const body = JSON.stringify({ key_id: keyRef });
    const request = new HttpRequest({
      method: "POST",
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path: this.url.pathname,
      headers: { host: this.url.host, "content-type": "application/json" },
      body,
    });
    const timeoutMs = this.options.timeoutMs ?? 5000;
    let response: Response;
    try {
      const signed = await this.signer.sign(request);
      const { host: _host, ...headers } = signed.headers;
      this.requests++;
      response = await (this.options.fetch ?? fetch)(this.url, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const e = error as Error;
      const code = e.name === "TimeoutError" || e.name === "AbortError" ? "KmsAuditApiTimeout" : "KmsAuditApiUnreachable";
      return { kind: "retry", result: { ok: false, errorCode: code, message: e.message } };
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      return { kind: "retry", result: { ok: false, errorCode: "KmsAuditApiTimeout", message: (error as Error).message } };
    }
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get("retry-after"));
      return {
        kind: "retry",
        result: { ok: false, errorCode: response.status === 429 ? "KmsAuditApiThrottled" : `KmsAuditApiError${response.status}`, message: text.slice(0, 300) },
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      };
    }
    if (response.status !== 200) {
      const code = response.status === 403 ? "KmsAuditApiAccessDenied" : response.status === 404 ? "KmsKeyNotFound" : `KmsAuditApiError${response.status}`;
      return { kind: "done", result: { ok: false, errorCode: code, message: text.slice(0, 300) } };
    }
    try {
      return { kind: "done", result: { ok: true, value: keyAuditSchema.parse(JSON.parse(text)) as KeyAudit } };
    } catch (error) {
      return { kind: "done", result: { ok: false, errorCode: "KmsAuditApiInvalidResponse", message: (error as Error).message.slice(0, 300) } };
    }
  }
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
  const byTarget = new Map<string, Fetched<KeyAudit>>();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, keys.length) }, async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        byTarget.set(key, await audit(key));
      }
    }),
  );
  const out = new Map<string, Fetched<KeyAudit>>();
  for (const ref of distinct) out.set(ref, byTarget.get(target.get(ref)!)!);
  return out;
}
