/**
 * The typed client of the role-vending API: SigV4-signed requests (service execute-api) with the
 * caller's MFA session, answers parsed with the contract's schemas, errors as {@link ApiError}.
 */
import type { AwsCredentialIdentity } from "@smithy/types";
import { executeApiSigner, type ExecuteApiSigner } from "../../../functions/shared/platform/execute-api-signer";
import type * as z from "zod";
import {
  errorResponse,
  grantResponse,
  listGrantsResponse,
  ROUTES,
  type CreateGrantRequest,
  type Grant,
  type ListGrantsQuery,
  type RouteName,
} from "../../../functions/shared/contracts/role-vending-api";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ClientOptions {
  /** The stage URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/v1`. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);
  readonly fetch?: typeof fetch;
  /** @default 30000 (API Gateway's own limit is 29 s) */
  readonly timeoutMs?: number;
}

export class RoleVendingClient {
  private readonly sign: ExecuteApiSigner;
  private readonly base: URL;

  constructor(private readonly options: ClientOptions) {
    this.sign = executeApiSigner(options.region, options.credentials);
    this.base = new URL(options.endpoint.replace(/\/+$/, "") + "/");
  }

  createGrant(request: CreateGrantRequest): Promise<Grant> {
    return this.call("createGrant", {}, request, grantResponse).then((r) => r.grant);
  }
  getGrant(id: string): Promise<Grant> {
    return this.call("getGrant", { id }, undefined, grantResponse).then((r) => r.grant);
  }
  listGrants(query: ListGrantsQuery = {}): Promise<Grant[]> {
    return this.call("listGrants", {}, undefined, listGrantsResponse, query).then((r) => r.grants);
  }
  approve(id: string, reason?: string): Promise<Grant> {
    return this.call("approveGrant", { id }, reason ? { reason } : {}, grantResponse).then((r) => r.grant);
  }
  deny(id: string, reason?: string): Promise<Grant> {
    return this.call("denyGrant", { id }, reason ? { reason } : {}, grantResponse).then((r) => r.grant);
  }
  revoke(id: string): Promise<Grant> {
    return this.call("revokeGrant", { id }, undefined, grantResponse).then((r) => r.grant);
  }

  private async call<T extends z.ZodType>(name: RouteName, params: Record<string, string>, body: unknown, schema: T, query: Record<string, unknown> = {}): Promise<z.output<T>> {
    const { method, path } = ROUTES[name];
    const url = new URL(path.replace(/^\//, "").replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k] ?? "")), this.base);
    const q: Record<string, string> = {};
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q[k] = String(v);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const signed = await this.sign({ url, method, body: text, query: q });
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(signed.url, { ...signed.init, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (error) {
      throw new ApiError(0, "Unreachable", `The role-vending API at ${this.base.origin} did not answer: ${(error as Error).message}`);
    }
    const raw = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    if (response.status !== 200) {
      const parsed = errorResponse.safeParse(json);
      const retryAfter = Number(response.headers.get("retry-after"));
      // API Gateway's own refusals (IAM auth, resource policy) answer {"message": "..."}.
      const message = parsed.success ? parsed.data.error.message : ((json as { message?: string } | undefined)?.message ?? raw.slice(0, 300));
      throw new ApiError(response.status, parsed.success ? parsed.data.error.code : `Http${response.status}`, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiError(response.status, "InvalidResponse", `The API answered something this CLI does not understand: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }
}
