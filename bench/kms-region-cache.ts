/**
 * Memory of the KMS auditor under requests naming many distinct regions. Before the hardening,
 * each new `region` value built and kept a KMS client (the issue measured 9,000 values growing the
 * function from 119 MB to 506 MB); now the API refuses regions it does not know before any client
 * exists, and the client cache is bounded (MAX_KMS_CLIENTS). Prints figures beside their floor.
 *   tsx --expose-gc bench/kms-region-cache.ts [regions=9000]
 */
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { kmsClientCache } from "../functions/kms-auditor/clients";
import { MAX_KMS_CLIENTS } from "../functions/kms-auditor/regions";
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult, LambdaContext } from "../functions/shared/platform/http";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";

function fakeRegion(i: number): string {
  let letters = "";
  for (let n = i, k = 0; k < 3; k++, n = Math.floor(n / 26)) letters += String.fromCharCode(97 + (n % 26));
  return `eu-x${letters}-1`;
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 9000);
  process.env.AWS_REGION = REGION;
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const kms = mockClient(KMSClient);
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { AWSAccountId: ACCOUNT, KeyId: KEY_ID, Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`, KeyState: "Enabled", Enabled: true, KeyManager: "CUSTOMER", KeySpec: "SYMMETRIC_DEFAULT", Origin: "AWS_KMS" } });
  kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }] }) });
  kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true });
  const { handler } = require("../functions/kms-auditor/handler") as { handler: (e: ApiGatewayProxyEvent, c: LambdaContext) => Promise<ApiGatewayProxyResult> };
  const context: LambdaContext = { awsRequestId: "bench", invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:kms-auditor` };
  const post = (region: string) =>
    handler({ httpMethod: "POST", path: "/audit-key", resource: "/audit-key", body: JSON.stringify({ action: "audit_key", key_id: KEY_ID, region }), requestContext: { requestId: "bench" } }, context);

  if (!(globalThis as { gc?: () => void }).gc) console.log("(run with --expose-gc for exact figures)");
  console.log(`Node ${process.version}; ${count} distinct region values; KMS answered by aws-sdk-client-mock.`);
  await post(REGION); // warm: one real client, the handler's modules loaded

  const before = heapMb();
  const statuses = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const answer = await post(fakeRegion(i));
    statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
  }
  const after = heapMb();
  console.log(`handler, ${count} made-up regions:  heap ${before.toFixed(1)} MB -> ${after.toFixed(1)} MB (+${(after - before).toFixed(1)} MB)   floor: +< 10 MB   answers: ${[...statuses].map(([s, n]) => `${n} x ${s}`).join(", ")}`);

  // The cache as it was (one client per distinct name, kept for the container's life), for comparison.
  const unbounded = kmsClientCache();
  const start = heapMb();
  for (let i = 0; i < count; i++) unbounded(fakeRegion(i));
  const grown = heapMb();
  console.log(`old unbounded cache, ${count} names: heap ${start.toFixed(1)} MB -> ${grown.toFixed(1)} MB (+${(grown - start).toFixed(1)} MB)   the bound now: ${MAX_KMS_CLIENTS} clients`);
  kms.restore();
}

void main();
