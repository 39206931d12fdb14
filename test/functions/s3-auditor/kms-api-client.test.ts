import { expect } from "chai";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { KeyAudit } from "../../../functions/shared/audit-types";
import { auditDistinctKeys, canonicalKeyRef, KmsAuditApiClient } from "../../../functions/s3-auditor/kms-api-client";

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session-token" };
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function keyAudit(keyArn: string, keyState = "Enabled"): KeyAudit {
  return { keyId: keyArn.split("/")[1]!, keyArn, region: "eu-west-1", accountId: "111122223333", facts: { keyState }, results: [{ checkId: "kms_key_rotation_enabled", status: "PASSED", reason: "on" }] };
}

/** Verifies the SigV4 Authorization header by signing the received request again with the same credentials. */
async function signatureValid(req: IncomingMessage, body: string): Promise<boolean> {
  const auth = req.headers.authorization ?? "";
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match || match[1] !== CREDENTIALS.accessKeyId || match[3] !== "eu-west-1" || match[4] !== "execute-api") return false;
  const signedHeaders = match[5]!.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date")) return false;
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(req.headers[name]);
  const [hostname, port] = headers.host!.split(":");
  const request = new HttpRequest({ method: req.method!, protocol: "http:", hostname, port: Number(port), path: req.url!.split("?")[0], headers, body });
  const amzDate = headers["x-amz-date"]!;
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: "execute-api", region: "eu-west-1", credentials: CREDENTIALS, sha256: Sha256 });
  const expected = await signer.sign(request, { signingDate });
  return expected.headers.authorization === auth && req.headers["x-amz-security-token"] === CREDENTIALS.sessionToken;
}

type Behaviour = (req: IncomingMessage, res: ServerResponse, body: { key_id: string }, attempt: number) => void;

describe("KMS audit API client (real HTTP server, SigV4 verified)", () => {
  let server: Server;
  let endpoint: string;
  let behaviour: Behaviour;
  let received: { keyId: string; signed: boolean; path: string }[];
  const attempts = new Map<string, number>();

  beforeEach(async () => {
    received = [];
    attempts.clear();
    server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", async () => {
        const body = JSON.parse(raw) as { key_id: string };
        const signed = await signatureValid(req, raw);
        received.push({ keyId: body.key_id, signed, path: req.url! });
        if (!signed) {
          res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ message: "The request signature we calculated does not match" }));
          return;
        }
        const n = (attempts.get(body.key_id) ?? 0) + 1;
        attempts.set(body.key_id, n);
        behaviour(req, res, body, n);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (over: Partial<ConstructorParameters<typeof KmsAuditApiClient>[0]> = {}) =>
    new KmsAuditApiClient({ endpoint, region: "eu-west-1", credentials: CREDENTIALS, timeoutMs: 300, maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 20, ...over });
  const ok = (res: ServerResponse, audit: KeyAudit) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(audit));

  it("sends a correctly signed POST /audit-key and returns the canned audit", async () => {
    behaviour = (_req, res, body) => ok(res, keyAudit(body.key_id));
    const result = await client().auditKey(KEY_ARN);
    expect(result).to.deep.equal({ ok: true, value: keyAudit(KEY_ARN) });
    expect(received).to.deep.equal([{ keyId: KEY_ARN, signed: true, path: "/prod/audit-key" }]);
  });

  it("is rejected by the server when signed with other credentials (the check is real)", async () => {
    behaviour = (_req, res, body) => ok(res, keyAudit(body.key_id));
    const result = await client({ credentials: { ...CREDENTIALS, secretAccessKey: "wrong" } }).auditKey(KEY_ARN);
    expect(result).to.deep.include({ ok: false, errorCode: "KmsAuditApiAccessDenied" });
    expect(received[0]!.signed).to.equal(false);
  });

  it("retries 429 and 500 with backoff, then succeeds", async () => {
    behaviour = (_req, res, body, n) => {
      if (n === 1) res.writeHead(429, { "retry-after": "0.01" }).end("slow down");
      else if (n === 2) res.writeHead(500).end("boom");
      else ok(res, keyAudit(body.key_id));
    };
    const sleeps: number[] = [];
    const result = await client({ sleep: async (ms) => void sleeps.push(ms) }).auditKey(KEY_ARN);
    expect(result.ok).to.equal(true);
    expect(attempts.get(KEY_ARN)).to.equal(3);
    expect(sleeps[0]).to.equal(10); // Retry-After honoured
  });

  it("gives up after the attempts with the last error code, and does not retry a 404", async () => {
    behaviour = (_req, res) => res.writeHead(503).end("unavailable");
    expect(await client().auditKey(KEY_ARN)).to.deep.include({ ok: false, errorCode: "KmsAuditApiError503" });
    expect(attempts.get(KEY_ARN)).to.equal(3);

    behaviour = (_req, res) => res.writeHead(404).end("{}");
    const other = KEY_ARN.replace("1234abcd", "9999abcd");
    expect(await client().auditKey(other)).to.deep.include({ ok: false, errorCode: "KmsKeyNotFound" });
    expect(attempts.get(other)).to.equal(1);
  });

  it("times out a stalled answer and reports KmsAuditApiTimeout", async () => {
    behaviour = () => undefined; // never answers
    const started = Date.now();
    const result = await client({ timeoutMs: 150, maxAttempts: 2 }).auditKey(KEY_ARN);
    expect(result).to.deep.include({ ok: false, errorCode: "KmsAuditApiTimeout" });
    expect(attempts.get(KEY_ARN)).to.equal(2);
    expect(Date.now() - started).to.be.below(2000);
  });

  it("rejects an answer that is not a KeyAudit", async () => {
    behaviour = (_req, res) => res.writeHead(200).end(JSON.stringify({ keyId: "x" }));
    expect(await client().auditKey(KEY_ARN)).to.deep.include({ ok: false, errorCode: "KmsAuditApiInvalidResponse" });
  });

  it("asks once per distinct key: duplicates, bare ids and aliases of one key cost one call", async () => {
    behaviour = (_req, res, body) => ok(res, keyAudit(body.key_id));
    const api = client();
    const context = { partition: "aws", region: "eu-west-1", accountId: "111122223333" };
    const refs = [KEY_ARN, KEY_ARN, canonicalKeyRef("1234abcd-12ab-34cd-56ef-1234567890ab", context), canonicalKeyRef("alias/data", context)];
    expect(refs[2]).to.equal(KEY_ARN);
    expect(refs[3]).to.equal("arn:aws:kms:eu-west-1:111122223333:alias/data");
    const results = await auditDistinctKeys(refs, (ref) => api.auditKey(ref), async (alias) => (alias.endsWith("alias/data") ? KEY_ARN : undefined));
    expect(received).to.have.length(1);
    expect(api.requests).to.equal(1);
    expect(results.get(refs[3]!)).to.deep.equal({ ok: true, value: keyAudit(KEY_ARN) });
  });
});
