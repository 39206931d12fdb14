/**
 * SigV4 for API Gateway (`execute-api`): the one place a platform client builds and signs a request
 * to an IAM-authorized API (the KMS audit API client, the role-vending CLI, the tests' curl-like
 * helper). The caller sends the result with fetch and keeps its own timeout and retry policy.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

export interface ExecuteApiRequest {
  readonly url: URL;
  readonly method: string;
  /** A JSON body (sent with content-type application/json), or none. */
  readonly body?: string;
  readonly query?: Readonly<Record<string, string>>;
}

export interface SignedRequest {
  /** The URL to fetch (with the query string the signature covers). */
  readonly url: URL;
  readonly init: { readonly method: string; readonly headers: Record<string, string>; readonly body?: string };
}

export type ExecuteApiSigner = (request: ExecuteApiRequest) => Promise<SignedRequest>;

/** A signer for one region and credential source. */
export function executeApiSigner(region: string, credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider): ExecuteApiSigner {
  const signer = new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 });
  return async ({ url, method, body, query = {} }) => {
    const request = new HttpRequest({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: { ...query },
      headers: { host: url.host, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body,
    });
    const signed = await signer.sign(request);
    // fetch sets Host itself (and refuses to be given one).
    const { host: _host, ...headers } = signed.headers;
    const target = new URL(url);
    for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
    return { url: target, init: { method, headers, body } };
  };
}
