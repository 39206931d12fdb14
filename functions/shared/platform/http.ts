/**
 * The one wrapper for API Gateway REST (v1) Lambda proxy handlers: routing by method and resource
 * path, a body size limit, JSON parsing, zod validation, and the mapping of the error tree to
 * HTTP answers `{"error":{"code","message"},"requestId"}`. Unexpected errors are logged with their
 * stack and answered with a 500 that carries no stack.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
// zod's core: routes may declare bodies with classic zod or the tree-shakable zod/mini (contracts use mini).
import { safeParse, type $ZodError, type $ZodType, type output } from "zod/v4/core";
import { NotFoundError, PlatformError, ValidationError } from "./errors";

/** The parts of an API Gateway REST proxy event we read (no @types/aws-lambda dependency). */
export interface ApiGatewayProxyEvent {
  readonly httpMethod: string;
  readonly path: string;
  readonly resource?: string | null;
  readonly headers?: Record<string, string | undefined> | null;
  readonly multiValueHeaders?: Record<string, string[] | undefined> | null;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly body: string | null;
  readonly isBase64Encoded?: boolean;
  readonly pathParameters?: Record<string, string | undefined> | null;
  readonly requestContext?: {
    readonly requestId?: string;
    /** With IAM authorization API Gateway fills in the caller: `userArn`, `accountId`, `caller`, `accessKey`. */
    readonly identity?: { readonly sourceIp?: string; readonly userArn?: string | null; readonly accountId?: string | null; readonly caller?: string | null; readonly accessKey?: string | null };
  } | null;
}

export interface ApiGatewayProxyResult {
  statusCode: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded?: boolean;
}

/** The parts of the Lambda context we read. */
export interface LambdaContext {
  readonly awsRequestId?: string;
  readonly invokedFunctionArn?: string;
  readonly functionName?: string;
}

/** An error that carries its own HTTP status (405, 413, 502 ...). */
export class HttpError extends PlatformError {
  /** Extra response headers, e.g. `retry-after` for a 429. */
  readonly headers: Record<string, string>;
  constructor(
    readonly statusCode: number,
    code: string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(code, message, options);
    this.headers = options?.headers ?? {};
  }
}

export interface RequestContext<Body> {
  readonly body: Body;
  readonly event: ApiGatewayProxyEvent;
  readonly context: LambdaContext;
  /** API Gateway's request id (falls back to the Lambda request id). */
  readonly requestId: string;
  readonly logger: Logger;
}

export interface Route<Schema extends $ZodType = $ZodType> {
  readonly method: string;
  /** The resource path, e.g. `/audit-key`. */
  readonly path: string;
  readonly body: Schema;
  handle(request: RequestContext<output<Schema>>): Promise<unknown> | unknown;
}

/** Declares a route with its body's type inferred from the schema. */
export function route<Schema extends $ZodType>(definition: Route<Schema>): Route<Schema> {
  return definition;
}

export interface HandlerOptions {
  readonly logger: Logger;
  /** @default 65536 (64 KB, after base64 decoding) */
  readonly maxBodyBytes?: number;
}

export const MAX_BODY_BYTES = 64 * 1024;

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } as const;

function normalisePath(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

/**
 * The path to route on: the resource path (templated ones such as `/grants/{id}` included, with
 * the values in `pathParameters`), unless the API uses a greedy `{proxy+}` resource.
 */
function routePath(event: ApiGatewayProxyEvent): string {
  const resource = event.resource;
  return normalisePath(resource && !resource.includes("+}") ? resource : (event.path ?? "/"));
}

/** Methods that carry no body: an empty one is read as `{}`. */
const BODYLESS_METHODS = new Set(["GET", "HEAD", "DELETE", "OPTIONS"]);

function statusOf(error: PlatformError): number {
  if (error instanceof HttpError) return error.statusCode;
  if (error instanceof ValidationError) return 400;
  if (error instanceof NotFoundError) return 404;
  return 500;
}

/** Unknown keys are named, not echoed: at most 3, each cut to 40 characters (a 64 KB body can hold thousands). */
function describeUnknownKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 3).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}...` : k));
  return `unknown key${keys.length > 1 ? "s" : ""} ${shown.join(", ")}${keys.length > 3 ? ` and ${keys.length - 3} more` : ""}`;
}

/** A readable one-line summary of zod issues: `key_id: Invalid string; region: Required`. */
export function describeZodError(error: $ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const message = issue.code === "unrecognized_keys" ? describeUnknownKeys(issue.keys) : issue.message;
      return issue.path.length > 0 ? `${issue.path.join(".")}: ${message}` : message;
    })
    .join("; ");
}

function decodeBody(event: ApiGatewayProxyEvent, maxBodyBytes: number): string {
  const raw = event.body ?? "";
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > maxBodyBytes) {
    throw new HttpError(413, "PayloadTooLarge", `The request body is ${bytes.length} bytes; the limit is ${maxBodyBytes} bytes.`);
  }
  return event.isBase64Encoded ? bytes.toString("utf8") : raw;
}

function parseJson(text: string): unknown {
  if (text.trim() === "") throw new ValidationError("The request body is empty; send a JSON object.", "InvalidJson");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`The request body is not valid JSON: ${(error as Error).message}`, "InvalidJson");
  }
}

function answer(statusCode: number, payload: unknown, extraHeaders: Record<string, string> = {}): ApiGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...extraHeaders }, body: JSON.stringify(payload) };
}

/**
 * Builds a Lambda handler from routes. Answers 404 for an unknown path, 405 (with `Allow`) for a
 * known path with another method, 413 for a body over the limit, 400 for bad JSON or a body the
 * route's schema rejects, and maps errors thrown by routes: ValidationError 400, NotFoundError
 * 404, HttpError its status, anything else 500 (logged with its stack, answered without it).
 */
export function createHandler(routes: readonly Route[], options: HandlerOptions) {
  const { logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const byPath = new Map<string, Route[]>();
  for (const r of routes) {
    const path = normalisePath(r.path);
    byPath.set(path, [...(byPath.get(path) ?? []), r]);
  }

  return async (event: ApiGatewayProxyEvent, context: LambdaContext = {}): Promise<ApiGatewayProxyResult> => {
    const requestId = event?.requestContext?.requestId ?? context.awsRequestId ?? "unknown";
    const started = performance.now();
    let method = "?";
    let path = "?";
    try {
      // A direct invocation with something that is not an API Gateway proxy event.
      if (!event || typeof event !== "object") throw new ValidationError("The event is not an API Gateway proxy request; call this function through its API.", "InvalidEvent");
      method = String(event.httpMethod ?? "").toUpperCase();
      path = routePath(event);
      const candidates = byPath.get(path);
      if (!candidates) throw new NotFoundError(`No route for ${path}; see the API documentation for the available paths.`, "RouteNotFound");
      const matched = candidates.find((r) => r.method.toUpperCase() === method);
      if (!matched) {
        const allow = candidates.map((r) => r.method.toUpperCase()).join(", ");
        throw Object.assign(new HttpError(405, "MethodNotAllowed", `${method} is not allowed on ${path}; use ${allow}.`), { allow });
      }
      const text = decodeBody(event, maxBodyBytes);
      const parsed = safeParse(matched.body, text.trim() === "" && BODYLESS_METHODS.has(method) ? {} : parseJson(text));
      if (!parsed.success) throw new ValidationError(`Invalid request body: ${describeZodError(parsed.error)}.`, "InvalidRequest");
      const payload = await matched.handle({ body: parsed.data, event, context, requestId, logger });
      logger.info("request", { requestId, method, path, statusCode: 200, durationMs: Math.round(performance.now() - started) });
      return answer(200, payload);
    } catch (error) {
      if (error instanceof PlatformError && statusOf(error) < 500) {
        const statusCode = statusOf(error);
        logger.info("request rejected", { requestId, method, path, statusCode, code: error.code, detail: error.message });
        const allow = (error as { allow?: unknown }).allow;
        const headers = { ...(error instanceof HttpError ? error.headers : {}), ...(typeof allow === "string" ? { allow } : {}) };
        return answer(statusCode, { error: { code: error.code, message: error.message }, requestId }, headers);
      }
      if (error instanceof HttpError) {
        logger.warn("request failed upstream", { requestId, method, path, statusCode: error.statusCode, code: error.code, detail: error.message });
        return answer(error.statusCode, { error: { code: error.code, message: error.message }, requestId });
      }
      logger.error("unexpected error", { requestId, method, path, error: error as Error });
      return answer(500, { error: { code: "InternalError", message: `An unexpected error occurred; quote request id ${requestId} when reporting it.` }, requestId });
    }
  };
}
