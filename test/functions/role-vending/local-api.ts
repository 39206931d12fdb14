/**
 * A local stand-in for API Gateway in front of the role-vending API: the real scripts/serve.ts
 * server, plus what API Gateway does before the function runs: match the resource template
 * (`/grants/{id}` → pathParameters), verify the SigV4 signature against known credentials, apply
 * the resource policy (MFA required) and fill in the IAM caller identity of the event.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { ROUTES } from "../../../functions/shared/contracts/role-vending-api";
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult } from "../../../functions/shared/platform/http";
import { startServer, type ProxyHandler, type RunningServer } from "../../../scripts/serve";

export interface KnownCredentials {
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** What API Gateway reports as `userArn` and `caller`. */
  readonly userArn: string;
  readonly caller?: string;
  /** Whether the credentials carry MFA (GetSessionToken with MFA). */
  readonly mfa: boolean;
}

const deny = (statusCode: number, message: string): ApiGatewayProxyResult => ({ statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify({ message }) });

function matchRoute(method: string, path: string): { resource: string; pathParameters: Record<string, string> } | undefined {
  for (const route of Object.values(ROUTES)) {
    if (route.method !== method) continue;
    const names: string[] = [];
    const re = new RegExp(`^${route.path.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), "([^/]+)"))}/?$`);
    const m = re.exec(path);
    if (m) return { resource: route.path, pathParameters: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
  }
  return undefined;
}

/** Verifies an incoming SigV4 signature by signing the same request again with the known secret. */
async function verify(event: ApiGatewayProxyEvent, known: Record<string, KnownCredentials>, region: string): Promise<KnownCredentials | string> {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? ""]));
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/execute-api\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(headers.authorization ?? "");
  if (!auth) return "Missing Authentication Token";
  const [, accessKeyId, , signedRegion, signedHeaders, signature] = auth;
  const creds = known[accessKeyId!];
  if (!creds) return "The security token included in the request is invalid.";
  if (signedRegion !== region) return `Credential should be scoped to a valid region, not '${signedRegion}'.`;
  if (creds.sessionToken !== undefined && headers["x-amz-security-token"] !== creds.sessionToken) return "The security token included in the request is invalid.";
  const amzDate = headers["x-amz-date"] ?? "";
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
  if (Number.isNaN(signingDate.getTime()) || Math.abs(Date.now() - signingDate.getTime()) > 5 * 60_000) return "Signature expired";
  const request = new HttpRequest({
    method: event.httpMethod,
    protocol: "http:",
    hostname: (headers.host ?? "").split(":")[0]!,
    path: event.path,
    query: { ...(event.queryStringParameters ?? {}) } as Record<string, string>,
    headers: Object.fromEntries(signedHeaders!.split(";").map((h) => [h, headers[h] ?? ""])),
    body: event.body ?? undefined,
  });
  const signer = new SignatureV4({ service: "execute-api", region, sha256: Sha256, credentials: { accessKeyId: accessKeyId!, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken } });
  const resigned = await signer.sign(request, { signingDate });
  const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization))?.[1];
  if (expected !== signature) return "The request signature we calculated does not match the signature you provided.";
  return creds;
}

/** Wraps a proxy handler with API Gateway's IAM authorization and MFA-requiring resource policy. */
export function iamGateway(handler: ProxyHandler, known: Record<string, KnownCredentials>, region: string): ProxyHandler {
  return async (event, context) => {
    const route = matchRoute(event.httpMethod, event.path);
    if (!route) return deny(403, "Missing Authentication Token");
    const verified = await verify(event, known, region);
    if (typeof verified === "string") return deny(403, verified);
    if (!verified.mfa) return deny(403, `User: ${verified.userArn} is not authorized to perform: execute-api:Invoke with an explicit deny in a resource-based policy`);
    const account = /::(\d{12}):/.exec(verified.userArn)?.[1] ?? null;
    return handler(
      {
        ...event,
        resource: route.resource,
        pathParameters: route.pathParameters,
        requestContext: { ...event.requestContext, identity: { ...(event.requestContext?.identity ?? {}), userArn: verified.userArn, caller: verified.caller ?? null, accountId: account } },
      },
      context,
    );
  };
}

export async function startLocalApi(handler: ProxyHandler, known: Record<string, KnownCredentials>, region = "eu-west-1"): Promise<RunningServer> {
  return startServer(iamGateway(handler, known, region), { port: 0, functionName: "role-vending-api" });
}
