/**
 * SigV4 verification as API Gateway's IAM authorization does it: the received request is signed
 * again with the caller's credentials and the signatures must match. Used as the local server's
 * `gateway` so clients are tested against a server that refuses unsigned or mis-signed requests.
 */
import type { IncomingMessage } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { executeApiSigner } from "../../functions/shared/platform/execute-api-signer";
import type { GatewayAnswer } from "../../scripts/serve";

export const TEST_CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session-token" };

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Whether the request carries a valid SigV4 signature for `execute-api` in `region` by `credentials`. */
export async function signatureValid(req: IncomingMessage, body: string, region: string, credentials: Credentials = TEST_CREDENTIALS): Promise<boolean> {
  const auth = req.headers.authorization ?? "";
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match || match[1] !== credentials.accessKeyId || match[3] !== region || match[4] !== "execute-api") return false;
  const signedHeaders = match[5]!.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date")) return false;
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(req.headers[name]);
  const [hostname, port] = headers.host!.split(":");
  const request = new HttpRequest({ method: req.method!, protocol: "http:", hostname, port: Number(port), path: req.url!.split("?")[0], headers, body });
  const d = headers["x-amz-date"]!;
  const signingDate = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);
  const expected = await new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 }).sign(request, { signingDate });
  return expected.headers.authorization === auth && (credentials.sessionToken === undefined || req.headers["x-amz-security-token"] === credentials.sessionToken);
}

/** A `gateway` for startServer that answers 403 as API Gateway does unless the signature is valid. */
export function sigv4Gateway(region: string, credentials: Credentials = TEST_CREDENTIALS): (req: IncomingMessage, body: Buffer) => Promise<GatewayAnswer | undefined> {
  return async (req, body) =>
    (await signatureValid(req, body.toString("utf8"), region, credentials)) ? undefined : { statusCode: 403, message: "The request signature we calculated does not match the signature you provided." };
}

/** A POST signed for `execute-api` (as `curl --aws-sigv4` sends it), for raw looks at an answer. */
export async function signedPost(url: string, region: string, body: unknown, credentials: Credentials = TEST_CREDENTIALS): Promise<{ status: number; json: unknown }> {
  const signed = await executeApiSigner(region, credentials)({ url: new URL(url), method: "POST", body: JSON.stringify(body) });
  const response = await fetch(signed.url, signed.init);
  const raw = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}
