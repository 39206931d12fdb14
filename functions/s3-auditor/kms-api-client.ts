/**
 * Client of the KMS auditor's API (`POST /health`, `/audit-key`, `/key-info`, IAM auth): requests signed with SigV4 for
 * `execute-api` with the caller's credentials, a timeout per attempt, retries with backoff and
 * jitter on 429, 5xx and network errors, and one call per distinct key per run.
 *
 * Node's built-in fetch (undici, in the nodejs22.x runtime) sends the request: same API as
 * node-fetch without the dependency.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { executeApiSigner, type ExecuteApiSigner } from "../shared/platform/execute-api-signer";
import {
  auditKeyBody,
  auditKeyResponse,
  errorResponse,
  healthResponse,
  keyInfoResponse,
  KMS_AUDIT_METHOD,
  KMS_AUDIT_ROUTES,
  type HealthRequest,
  type HealthResponse,
  type KeyInfoRequest,
  type KeyInfoResponse,
  type KmsAuditRoute,
} from "../shared/contracts/kms-audit-api";
import type { Fetched } from "../shared/cspm/check";
import type { KeyAudit } from "../shared/cspm/audit-types";
import { realSleep, type Sleep } from "../shared/cspm/security-hub";

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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

type Outcome<T> = { kind: "done"; result: Fetched<T> } | { kind: "retry"; result: Fetched<T>; retryAfterMs?: number };

/** Anything with zod's safeParse (the contract's zod/mini schemas). */
interface ResponseSchema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: { message: string } };
}

/**
 * The typed client of every route of the KMS audit API (functions/shared/contracts/kms-audit-api.ts):
 * bodies built with the contract, answers parsed with it, errors returned as `Fetched` failures
 * carrying the API's error code (or the gateway's status), never thrown.
 */
export class KmsAuditApiClient {
  private readonly sign: ExecuteApiSigner;
  private readonly base: string;
  /** One request per distinct key for the life of this client (create one per run). */
  private readonly inFlight = new Map<string, Promise<Fetched<KeyAudit>>>();
  /** HTTP requests made, retries included. */
  requests = 0;

  constructor(private readonly options: KmsApiClientOptions) {
    this.sign = executeApiSigner(options.region, options.credentials);
    this.base = options.endpoint.replace(/\/+$/, "");
  }

  /** `POST /audit-key` for one key (a key ARN, or an alias ARN the API resolves); the same key is asked once. */
  auditKey(keyRef: string): Promise<Fetched<KeyAudit>> {
    let pending = this.inFlight.get(keyRef);
    if (!pending) {
      pending = this.call(KMS_AUDIT_ROUTES.auditKey, auditKeyBody(keyRef), auditKeyResponse);
      this.inFlight.set(keyRef, pending);
    }
    return pending;
  }

  /** `POST /health`. */
  health(): Promise<Fetched<HealthResponse>> {
    return this.call(KMS_AUDIT_ROUTES.health, {} satisfies HealthRequest, healthResponse);
  }

  /** `POST /key-info` for one key. */
  keyInfo(keyRef: string, options: { readonly region?: string } = {}): Promise<Fetched<KeyInfoResponse>> {
    const body: KeyInfoRequest = { action: "get_key_info", key_id: keyRef, ...(options.region ? { region: options.region } : {}) };
    return this.call(KMS_AUDIT_ROUTES.keyInfo, body, keyInfoResponse);
  }

  /** Retries 429, 5xx, timeouts and network errors with backoff and jitter (Retry-After honoured). */
  private async call<T>(route: KmsAuditRoute, body: unknown, schema: ResponseSchema<T>): Promise<Fetched<T>> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    const sleep = this.options.sleep ?? realSleep;
    let last: Fetched<T> = { ok: false, errorCode: "KmsAuditApiUnreachable" };
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const outcome = await this.attempt(route, JSON.stringify(body), schema);
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

  private async attempt<T>(route: KmsAuditRoute, body: string, schema: ResponseSchema<T>): Promise<Outcome<T>> {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    let response: Response;
    let text: string;
    try {
      const signed = await this.sign({ url: new URL(`${this.base}/${route}`), method: KMS_AUDIT_METHOD, body });
      this.requests++;
      const signal = AbortSignal.timeout(timeoutMs);
      response = await (this.options.fetch ?? fetch)(signed.url, { ...signed.init, signal });
      text = await response.text();
    } catch (error) {
      const e = error as Error;
      const code = e.name === "TimeoutError" || e.name === "AbortError" ? "KmsAuditApiTimeout" : "KmsAuditApiUnreachable";
      return { kind: "retry", result: { ok: false, errorCode: code, message: e.message } };
    }
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get("retry-after"));
      return {
        kind: "retry",
        result: { ok: false, errorCode: response.status === 429 ? "KmsAuditApiThrottled" : errorCodeOf(text, `KmsAuditApiError${response.status}`), message: `HTTP ${response.status}: ${errorMessageOf(text)}` },
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      };
    }
    if (response.status !== 200) {
      // The API's own errors carry a code (KeyNotFound, CrossAccountKey, InvalidRequest, ...); API
      // Gateway's (a refused signature, a missing route) carry only a message.
      const fallback = response.status === 403 ? "KmsAuditApiAccessDenied" : `KmsAuditApiError${response.status}`;
      return { kind: "done", result: { ok: false, errorCode: errorCodeOf(text, fallback), message: `HTTP ${response.status}: ${errorMessageOf(text)}` } };
    }
    const parsed = schema.safeParse(parseJson(text));
    if (!parsed.success) return { kind: "done", result: { ok: false, errorCode: "KmsAuditApiInvalidResponse", message: parsed.error.message.slice(0, 300) } };
    return { kind: "done", result: { ok: true, value: parsed.data } };
  }
}

function errorCodeOf(text: string, fallback: string): string {
  const parsed = errorResponse.safeParse(parseJson(text));
  return parsed.success ? parsed.data.error.code : fallback;
}

function errorMessageOf(text: string): string {
  const parsed = errorResponse.safeParse(parseJson(text));
  return (parsed.success ? parsed.data.error.message : text).slice(0, 300);
}
