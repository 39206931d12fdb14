import { expect } from "chai";
import type { Logger } from "@aws-lambda-powertools/logger";
import { z } from "zod";
import { NotFoundError, ValidationError } from "../../../../functions/shared/platform/errors";
import { createHandler, HttpError, route, type ApiGatewayProxyEvent } from "../../../../functions/shared/platform/http";

function capturingLogger() {
  const entries: { level: string; message: string; extra: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, extra: Record<string, unknown> = {}) => void entries.push({ level, message, extra });
  return { entries, logger: { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") } as unknown as Logger };
}

function event(overrides: Partial<ApiGatewayProxyEvent> = {}): ApiGatewayProxyEvent {
  return { httpMethod: "POST", path: "/echo", resource: "/echo", body: "{}", isBase64Encoded: false, requestContext: { requestId: "req-1" }, ...overrides };
}

describe("shared http wrapper", () => {
  const { entries, logger } = capturingLogger();
  const handler = createHandler(
    [
      route({ method: "POST", path: "/echo", body: z.strictObject({ name: z.string().min(1) }).or(z.strictObject({})), handle: ({ body, requestId }) => ({ body, requestId }) }),
      route({ method: "PUT", path: "/echo", body: z.unknown(), handle: () => ({ put: true }) }),
      route({ method: "POST", path: "/boom", body: z.unknown(), handle: () => { throw new Error("database exploded"); } }),
      route({ method: "POST", path: "/missing", body: z.unknown(), handle: () => { throw new NotFoundError("No such thing.", "ThingNotFound"); } }),
      route({ method: "POST", path: "/invalid", body: z.unknown(), handle: () => { throw new ValidationError("Bad thing.", "BadThing"); } }),
      route({ method: "POST", path: "/upstream", body: z.unknown(), handle: () => { throw new HttpError(502, "AccessDeniedException", "KMS said no."); } }),
    ],
    { logger, maxBodyBytes: 100 },
  );
  const call = async (e: Partial<ApiGatewayProxyEvent>) => {
    const r = await handler(event(e), { awsRequestId: "lambda-1" });
    return { ...r, json: JSON.parse(r.body) };
  };

  it("routes by method and resource path, with or without a trailing slash, and a {proxy+} resource", async () => {
    expect((await call({ body: '{"name":"a"}' })).json).to.deep.equal({ body: { name: "a" }, requestId: "req-1" });
    expect((await call({ httpMethod: "PUT" })).json).to.deep.equal({ put: true });
    expect((await call({ path: "/echo/", resource: "/{proxy+}" })).statusCode).to.equal(200);
  });

  it("answers 404 for an unknown path and 405 with Allow for a known one", async () => {
    const unknown = await call({ path: "/nope", resource: "/nope" });
    const wrongMethod = await call({ httpMethod: "DELETE" });
    expect([unknown.statusCode, unknown.json.error.code]).to.deep.equal([404, "RouteNotFound"]);
    expect([wrongMethod.statusCode, wrongMethod.json.error.code, wrongMethod.headers?.allow]).to.deep.equal([405, "MethodNotAllowed", "POST, PUT"]);
  });

  it("decodes base64 bodies and applies the size limit after decoding", async () => {
    const encoded = await call({ body: Buffer.from('{"name":"b64"}').toString("base64"), isBase64Encoded: true });
    const tooLarge = await call({ body: Buffer.from(JSON.stringify({ name: "x".repeat(100) })).toString("base64"), isBase64Encoded: true });
    expect(encoded.json.body).to.deep.equal({ name: "b64" });
    expect([tooLarge.statusCode, tooLarge.json.error.code]).to.deep.equal([413, "PayloadTooLarge"]);
  });

  it("answers 400 with a readable message for bad JSON and schema errors", async () => {
    const badJson = await call({ body: "{nope" });
    const badBody = await call({ body: '{"name":""}' });
    expect([badJson.statusCode, badJson.json.error.code]).to.deep.equal([400, "InvalidJson"]);
    expect([badBody.statusCode, badBody.json.error.code]).to.deep.equal([400, "InvalidRequest"]);
    expect(badBody.json.error.message).to.match(/^Invalid request body: /);
  });

  it("maps the error tree: NotFoundError 404, ValidationError 400, HttpError its status", async () => {
    const results = await Promise.all(["/missing", "/invalid", "/upstream"].map((p) => call({ path: p, resource: p })));
    expect(results.map((r) => [r.statusCode, r.json.error.code, r.json.requestId])).to.deep.equal([
      [404, "ThingNotFound", "req-1"],
      [400, "BadThing", "req-1"],
      [502, "AccessDeniedException", "req-1"],
    ]);
  });

  it("logs an unexpected error with its stack but answers a 500 without it", async () => {
    entries.length = 0;
    const r = await call({ path: "/boom", resource: "/boom" });
    expect(r.statusCode).to.equal(500);
    expect(r.json.error.code).to.equal("InternalError");
    expect(r.body).not.to.contain("database exploded").and.not.contain("at ");
    const logged = entries.find((e) => e.level === "error");
    expect((logged?.extra.error as Error).stack).to.contain("database exploded");
  });

  it("falls back to the Lambda request id", async () => {
    expect((await call({ requestContext: null })).json.requestId).to.equal("lambda-1");
  });

  it("answers 400, not 500, when invoked directly with something that is not a proxy event", async () => {
    for (const notAnEvent of [null, undefined, "hello", 42]) {
      const r = await handler(notAnEvent as unknown as ApiGatewayProxyEvent, { awsRequestId: "lambda-2" });
      expect(r.statusCode).to.equal(400);
      expect(JSON.parse(r.body)).to.deep.include({ error: { code: "InvalidEvent", message: "The event is not an API Gateway proxy request; call this function through its API." }, requestId: "lambda-2" });
    }
  });
});
