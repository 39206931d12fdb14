/**
 * Serves a function's API Gateway REST proxy handler on localhost, so `curl` (and tests) can call
 * it: `tsx scripts/serve.ts <function-name> --port 8787 [--host 127.0.0.1]`. The function runs in
 * this process with the user's AWS credentials (SDK default chain).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { ValidationError } from "../functions/shared/platform/errors";
import { sdkDefaultRegion } from "./cli/audit/cli";
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult, LambdaContext } from "../functions/shared/platform/http";

export type ProxyHandler = (event: ApiGatewayProxyEvent, context: LambdaContext) => Promise<ApiGatewayProxyResult>;

export interface ServeOptions {
  readonly port: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** The function name put in the Lambda context. @default "local" */
  readonly functionName?: string;
  /** Bodies larger than this are refused before reaching the handler, as API Gateway does at 10 MB. @default 10485760 */
  readonly maxRequestBytes?: number;
  /**
   * What API Gateway decides before the function runs (IAM authorization, throttling): an answer
   * to send instead of calling the handler, or undefined to call it. Tests verify SigV4 here.
   */
  readonly gateway?: (req: IncomingMessage, body: Buffer) => Promise<GatewayAnswer | undefined>;
}

/** An answer API Gateway gives on its own: `{"message": ...}` with a status, e.g. 403 or 429. */
export interface GatewayAnswer {
  readonly statusCode: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RunningServer {
  readonly server: Server;
  /** e.g. `http://127.0.0.1:8787` */
  readonly url: string;
  close(): Promise<void>;
}

const TEXT_DECODER = new TextDecoder("utf-8", { fatal: true });

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolveBody(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Builds the REST (v1) proxy event API Gateway would send for this request. */
export function toProxyEvent(req: IncomingMessage, body: Buffer, requestId: string): ApiGatewayProxyEvent {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  let text: string | null = null;
  let isBase64Encoded = false;
  if (body.length > 0) {
    try {
      text = TEXT_DECODER.decode(body);
    } catch {
      text = body.toString("base64");
      isBase64Encoded = true;
    }
  }
  let path = url.pathname;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    // A malformed %-escape: route on the raw path, as API Gateway would fail to match it anyway.
  }
  const event = {
    resource: path,
    path,
    httpMethod: req.method ?? "GET",
    headers,
    multiValueHeaders,
    queryStringParameters: url.searchParams.size > 0 ? query : null,
    multiValueQueryStringParameters: url.searchParams.size > 0 ? multiQuery : null,
    pathParameters: null,
    stageVariables: null,
    body: text,
    isBase64Encoded,
    requestContext: {
      requestId,
      stage: "local",
      httpMethod: req.method ?? "GET",
      path,
      resourcePath: path,
      requestTimeEpoch: Date.now(),
      identity: { sourceIp: req.socket.remoteAddress ?? "127.0.0.1", userAgent: req.headers["user-agent"] ?? null },
    },
  };
  return event;
}

function send(res: ServerResponse, statusCode: number, headers: Record<string, string | string[]>, body: Buffer | string): void {
  res.writeHead(statusCode, { ...headers, "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

function gatewayError(res: ServerResponse, statusCode: number, message: string, requestId: string, headers: Readonly<Record<string, string>> = {}): void {
  send(res, statusCode, { ...headers, "content-type": "application/json", "x-amzn-requestid": requestId }, JSON.stringify({ message }));
}

/** Starts serving `handler`; use port 0 for an ephemeral port (tests). */
export async function startServer(handler: ProxyHandler, options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const functionName = options.functionName ?? "local";
  const maxRequestBytes = options.maxRequestBytes ?? 10 * 1024 * 1024;
  const server = createServer(async (req, res) => {
    const requestId = randomUUID();
    try {
      const body = await readBody(req, maxRequestBytes);
      if (!body) return gatewayError(res, 413, "Request Too Long", requestId);
      const refused = await options.gateway?.(req, body);
      if (refused) return gatewayError(res, refused.statusCode, refused.message, requestId, refused.headers);
      const event = toProxyEvent(req, body, requestId);
      const result = await handler(event, { awsRequestId: randomUUID(), functionName });
      if (!result || typeof result.statusCode !== "number") return gatewayError(res, 502, "Internal server error", requestId);
      const headers: Record<string, string | string[]> = { ...(result.multiValueHeaders ?? {}), ...(result.headers ?? {}), "x-amzn-requestid": requestId };
      const payload = result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64") : (result.body ?? "");
      send(res, result.statusCode, headers, payload);
    } catch (error) {
      // API Gateway answers a handler crash with a bare 502; show the cause on the local console.
      console.error(error);
      if (!res.headersSent) gatewayError(res, 502, "Internal server error", requestId);
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port, host, () => ok());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: () => new Promise<void>((ok, fail) => server.close((e) => (e ? fail(e) : ok()))),
  };
}

/** Loads `functions/<name>/handler.ts` and returns its exported `handler`. */
export function loadHandler(name: string, root = resolve(__dirname, "..")): ProxyHandler {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new ValidationError(`"${name}" is not a function folder name (kebab-case).`);
  const file = resolve(root, "functions", name, "handler.ts");
  if (!existsSync(file)) throw new ValidationError(`There is no ${file}; pass the name of a folder under functions/.`);
  const loaded = require(file) as { handler?: unknown };
  if (typeof loaded.handler !== "function") throw new ValidationError(`${file} does not export a function named handler.`);
  return loaded.handler as ProxyHandler;
}

/** The region a local run stands in for: the option, the environment, then the user's AWS profile. */
async function localRegion(option: string | undefined): Promise<string> {
  const fromEnv = option ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  const fromProfile = await sdkDefaultRegion();
  if (!fromProfile) throw new ValidationError("No AWS region: pass --region, or set AWS_REGION or a region in your AWS profile.");
  return fromProfile;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("it must be a number from 0 to 65535.");
  return port;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command("serve")
    .description("Serve a Lambda function's API Gateway REST proxy handler on localhost.")
    .argument("<function-name>", "folder under functions/, e.g. kms-auditor")
    .option("--port <port>", "port to listen on", parsePort, 8787)
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--region <region>", "the function's region (AWS_REGION in Lambda); default: AWS_REGION, AWS_DEFAULT_REGION or your AWS profile's region")
    .exitOverride()
    .action(async (name: string, opts: { port: number; host: string; region?: string }) => {
      // Lambda sets AWS_REGION; the handler reads it at load, so set it before loading.
      process.env.AWS_REGION = await localRegion(opts.region);
      const handler = loadHandler(name);
      const running = await startServer(handler, { port: opts.port, host: opts.host, functionName: name });
      console.error(`Serving ${name} on ${running.url} (POST e.g. ${running.url}/health); Ctrl-C to stop.`);
    });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; message?: string };
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") process.exit(0);
    if (e.code?.startsWith("commander.")) process.exit(2); // commander already printed the usage error
    if (error instanceof ValidationError) {
      console.error(`error: ${e.message}`);
      process.exit(2);
    }
    console.error(`error: ${e.message ?? String(error)}`);
    process.exit(1);
  }
}

if (require.main === module) void main(process.argv.slice(2));
