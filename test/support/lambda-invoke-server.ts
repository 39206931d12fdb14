/**
 * A local stand-in of the Lambda Invoke API (POST /2015-03-31/functions/{name}/invocations) that
 * runs a real handler in-process, so a real @aws-sdk/client-lambda can be pointed at it with
 * `endpoint`. Like Lambda: a thrown error is a 200 with X-Amz-Function-Error: Unhandled and
 * {errorType, errorMessage, trace}; an unknown function is a 404 ResourceNotFoundException; a
 * payload that is not JSON is a 400 InvalidRequestContentException.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type InvokeHandler = (event: unknown, context: { awsRequestId: string; functionName: string; invokedFunctionArn: string }) => Promise<unknown>;

export interface InvokeServer {
  readonly endpoint: string;
  /** Every invocation: function name, qualifier and payload. */
  readonly invocations: Array<{ functionName: string; qualifier?: string; payload: unknown }>;
  close(): Promise<void>;
}

const PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-requestid": randomUUID(), ...headers });
  res.end(JSON.stringify(body));
}

function serviceError(res: ServerResponse, status: number, type: string, message: string): void {
  send(res, status, { Type: "User", message }, { "x-amzn-errortype": type });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startInvokeServer(functions: Record<string, InvokeHandler>, options: { account?: string; region?: string } = {}): Promise<InvokeServer> {
  const invocations: InvokeServer["invocations"] = [];
  const account = options.account ?? "111111111111";
  const region = options.region ?? "us-east-2";
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = PATH.exec(url.pathname);
    if (req.method !== "POST" || !match) return serviceError(res, 404, "UnknownOperationException", `No route ${req.method} ${url.pathname}`);
    const functionName = decodeURIComponent(match[1]).replace(/^arn:aws:lambda:[^:]+:\d+:function:/, "").split(":")[0];
    const handler = functions[functionName];
    if (!handler) return serviceError(res, 404, "ResourceNotFoundException", `Function not found: arn:aws:lambda:${region}:${account}:function:${functionName}`);
    if (!req.headers.authorization?.startsWith("AWS4-HMAC-SHA256 ")) return serviceError(res, 403, "AccessDeniedException", "Missing SigV4 signature");
    const text = await readBody(req);
    let payload: unknown;
    try {
      payload = text === "" ? {} : JSON.parse(text);
    } catch {
      return serviceError(res, 400, "InvalidRequestContentException", "Could not parse request body into json");
    }
    const qualifier = url.searchParams.get("Qualifier") ?? undefined;
    invocations.push({ functionName, qualifier, payload });
    const context = { awsRequestId: randomUUID(), functionName, invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}${qualifier ? `:${qualifier}` : ""}` };
    try {
      const result = await handler(payload, context);
      send(res, 200, result ?? null, { "x-amz-executed-version": "$LATEST" });
    } catch (error) {
      const e = error as Error;
      send(res, 200, { errorType: e.name ?? "Error", errorMessage: e.message, trace: (e.stack ?? "").split("\n") }, { "x-amz-function-error": "Unhandled", "x-amz-executed-version": "$LATEST" });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    invocations,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
