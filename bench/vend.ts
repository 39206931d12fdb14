/**
 * Role vending: request-to-credentials latency with 50 ms injected per IAM/STS call and DynamoDB on
 * dynalite, against the floor of the calls that must run one after another; AWS calls per grant;
 * 1,000 concurrent active grants and 10,000 requests (the seed's hourly figure) without errors, with
 * the IAM roles they need counted against the default quota. Prints figures; asserts nothing.
 *   tsx bench/vend.ts [samples=40] [requests=10000]
 */
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { createHandler, type ApiGatewayProxyEvent } from "../functions/shared/platform/http";
import { roleVendingRoutes } from "../functions/role-vending-api/api";
import { mapWithConcurrency } from "../functions/shared/platform/concurrency";
import { assumeGrantRole, PrivateCache } from "../scripts/cli/iam-role-vendor/credentials";
import { iamStandIn, memoryLogger, readTemplate, startDynalite, vendorDeps, ACCOUNT } from "../test/functions/role-vending/support";
import type { Grant, Tier } from "../functions/shared/contracts/role-vending-api";

const LATENCY_MS = 50;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const user = (i: number) => `arn:aws:iam::${ACCOUNT}:user/contractor-${i}`;
const body = { projectId: "payments", tier: "developer", durationMinutes: 240, reason: "benchmark grant request" };

function event(method: string, resource: string, caller: string, options: { body?: unknown; id?: string } = {}): ApiGatewayProxyEvent {
  return {
    httpMethod: method,
    resource,
    path: resource.replace("{id}", options.id ?? ""),
    pathParameters: options.id ? { id: options.id } : null,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    requestContext: { requestId: "bench", identity: { sourceIp: "203.0.113.9", userArn: caller } },
  };
}

async function main(): Promise<void> {
  const samples = Number(process.argv[2] ?? 40);
  const requests = Number(process.argv[3] ?? 10_000);
  const dynamo = await startDynalite();
  let dynamoCalls = 0;
  dynamo.client.middlewareStack.add((next) => async (args) => ((dynamoCalls += 1), next(args)), { step: "initialize", name: "countCalls" });

  // One DynamoDB round trip on dynalite, for the floor.
  const probeStore = await dynamo.store();
  const probe: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await dynamo.client.send(new GetItemCommand({ TableName: probeStore.tableName, Key: { pk: { S: "x" }, sk: { S: "y" } } }));
    probe.push(performance.now() - t);
  }
  const dynamoMs = percentile(probe.sort((a, b) => a - b), 50);

  // --- latency: request (API core) → role → AssumeRole, with 50 ms per IAM/STS call
  const iam = iamStandIn({ latencyMs: LATENCY_MS });
  const sts = mockClient(STSClient);
  let stsCalls = 0;
  sts.on(AssumeRoleCommand).callsFake(async () => {
    stsCalls += 1;
    await new Promise((r) => setTimeout(r, LATENCY_MS));
    return { Credentials: { AccessKeyId: "ASIA", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3600_000) } };
  });
  const store = await dynamo.store();
  // Templates come from the vendor's cache in Lambda; read each file once here too.
  const templates = new Map<string, string>();
  const cachedTemplates = { get: async (tier: Tier) => templates.get(tier) ?? (templates.set(tier, readTemplate(tier)), templates.get(tier)!) };
  const v = vendorDeps(store, iam.client, { now: () => new Date(), templates: cachedTemplates });
  const handler = createHandler(roleVendingRoutes(v.deps), { logger: memoryLogger() as never });
  const session = { credentials: { AccessKeyId: "ASIASESSION", SecretAccessKey: "s", SessionToken: "t" }, chained: false };
  const sessionDeps = { sts: () => new STSClient({ region: "eu-west-1" }), baseCredentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }), cache: new PrivateCache("/tmp/unused"), now: () => new Date(), sleep: async () => undefined, progress: () => undefined };
  const latencies: number[] = [];
  let iamPerGrant = 0;
  let dynamoPerGrant = 0;
  for (let i = 0; i < samples; i++) {
    const [iamBefore, dynamoBefore, stsBefore] = [iam.counter.calls, dynamoCalls, stsCalls];
    const t = performance.now();
    const r = await handler(event("POST", "/grants", user(i), { body }));
    const grant = JSON.parse(r.body).grant as Grant;
    await assumeGrantRole(sessionDeps, session, grant);
    latencies.push(performance.now() - t);
    iamPerGrant = iam.counter.calls - iamBefore;
    dynamoPerGrant = dynamoCalls - dynamoBefore;
    if (stsCalls - stsBefore !== 1) throw new Error("expected one AssumeRole per grant");
  }
  latencies.sort((a, b) => a - b);
  // Sequential by nature: rate-limit count, grant write, CreateRole, PutRolePolicy, role ARN write, AssumeRole.
  const floor = 3 * LATENCY_MS + 3 * dynamoMs;
  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  console.log(`request → credentials (${samples} grants, ${LATENCY_MS} ms per IAM/STS call, dynalite ${dynamoMs.toFixed(1)} ms per call)`);
  console.log(`  p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms; floor ${floor.toFixed(0)} ms (3 IAM/STS + 3 DynamoDB calls in sequence); p50/floor ${(p50 / floor).toFixed(2)} (target ≤ 1.20), p95/floor ${(p95 / floor).toFixed(2)}`);
  console.log(`  AWS calls per grant: IAM ${iamPerGrant} (CreateRole, PutRolePolicy), STS 1 (AssumeRole), DynamoDB ${dynamoPerGrant} (rate limit, grant, role ARN, 2 audit records)`);
  iam.mock.restore();

  // --- capacity: 1,000 concurrent active grants, then 10,000 requests against dynalite
  const fast = iamStandIn({ quota: 1000 });
  const bigStore = await dynamo.store();
  const big = vendorDeps(bigStore, fast.client, { now: () => new Date() });
  const bigHandler = createHandler(roleVendingRoutes(big.deps), { logger: memoryLogger() as never });
  let errors = 0;
  let t = performance.now();
  const grants = await mapWithConcurrency(Array.from({ length: 1000 }, (_, i) => i), 32, async (i) => {
    const r = await bigHandler(event("POST", "/grants", user(i), { body }));
    if (r.statusCode !== 200) errors += 1;
    return JSON.parse(r.body).grant as Grant;
  });
  const createSeconds = (performance.now() - t) / 1000;
  const active = (await bigStore.listByStatus("ACTIVE", { endingAfter: new Date().toISOString() })).length;
  console.log(`1,000 concurrent grants: ${active} active in ${createSeconds.toFixed(1)} s, ${errors} errors; IAM roles ${fast.roles.size} + 10 others = ${fast.roles.size + 10} of the default quota 1,000 (${(((fast.roles.size + 10) / 1000) * 100).toFixed(0)} %: the 80 % alarm fires; raise the quota to 5,000 before relying on this figure)`);

  errors = 0;
  t = performance.now();
  await mapWithConcurrency(Array.from({ length: requests }, (_, i) => i), 32, async (i) => {
    const g = grants[i % grants.length]!;
    const caller = user(i % grants.length);
    const r = i % 10 === 0 ? await bigHandler(event("GET", "/grants", caller)) : await bigHandler(event("GET", "/grants/{id}", caller, { id: g.id }));
    if (r.statusCode !== 200) errors += 1;
  });
  const seconds = (performance.now() - t) / 1000;
  console.log(`${requests} requests (90 % GET /grants/{id}, 10 % GET /grants) in ${seconds.toFixed(1)} s: ${(requests / seconds).toFixed(0)} req/s, ${errors} errors; the seed's 10,000 an hour is ${(10_000 / 3600).toFixed(1)} req/s`);
  fast.mock.restore();
  sts.restore();
  await dynamo.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
