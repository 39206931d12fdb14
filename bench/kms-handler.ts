/**
 * Per-request overhead of the KMS auditor handler with KMS answering instantly (aws-sdk-client-mock),
 * and the number of KMS calls one audit makes per kind of key. Prints figures; asserts nothing.
 *   tsx bench/kms-handler.ts [requests=2000]
 */
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient, type KeyMetadata } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult, LambdaContext } from "../functions/shared/platform/http";
import { operationOf } from "../functions/shared/cspm/snapshot";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
    { Sid: "Use", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" },
    { Sid: "Via", Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:Decrypt"], Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": `s3.${REGION}.amazonaws.com` } } },
  ],
});

function base(overrides: Partial<KeyMetadata> = {}): KeyMetadata {
  return { AWSAccountId: ACCOUNT, KeyId: KEY_ID, Arn: ARN, KeyState: "Enabled", Enabled: true, KeyManager: "CUSTOMER", KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", Origin: "AWS_KMS", MultiRegion: false, ...overrides };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  process.env.AWS_REGION = REGION;
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const kms = mockClient(KMSClient);
  kms.on(DescribeKeyCommand).resolves({ KeyMetadata: base() });
  kms.on(GetKeyPolicyCommand).resolves({ Policy: POLICY });
  kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
  const { handler } = require("../functions/kms-auditor/handler") as { handler: (e: ApiGatewayProxyEvent, c: LambdaContext) => Promise<ApiGatewayProxyResult> };
  const context: LambdaContext = { awsRequestId: "bench", invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:kms-auditor` };
  const event = (path: string, body: unknown): ApiGatewayProxyEvent => ({ httpMethod: "POST", path, resource: path, body: JSON.stringify(body), isBase64Encoded: false, requestContext: { requestId: "bench" } });

  const requests = Number(process.argv[2] ?? 2000);
  const measure = async (label: string, e: ApiGatewayProxyEvent) => {
    for (let i = 0; i < 200; i++) await handler(e, context);
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t0 = process.hrtime.bigint();
      const r = await handler(e, context);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.statusCode !== 200) throw new Error(`${label}: status ${r.statusCode} ${r.body}`);
    }
    times.sort((a, b) => a - b);
    console.log(`${label.padEnd(44)} p50 ${percentile(times, 50).toFixed(3)} ms   p99 ${percentile(times, 99).toFixed(3)} ms   (${requests} requests after 200 warm-up)`);
  };

  console.log(`Node ${process.version}; KMS answered by aws-sdk-client-mock (no network); handler called in-process.`);
  await measure("POST /health", event("/health", {}));
  await measure("POST /audit-key (ARN, 3-statement policy)", event("/audit-key", { action: "audit_key", key_id: ARN }));
  await measure("POST /audit-key (alias)", event("/audit-key", { action: "audit_key", key_id: "alias/app" }));

  console.log("\nKMS calls per audit:");
  const kinds: [string, KeyMetadata][] = [
    ["customer-managed symmetric", base()],
    ["asymmetric / HMAC / imported / AWS-managed", base({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" })],
    ["multi-Region replica (primary's rotation)", base({ MultiRegion: true, MultiRegionConfiguration: { MultiRegionKeyType: "REPLICA", PrimaryKey: { Arn: ARN.replace(REGION, "us-east-1"), Region: "us-east-1" } } })],
  ];
  for (const [label, metadata] of kinds) {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: metadata });
    kms.resetHistory();
    await handler(event("/audit-key", { action: "audit_key", key_id: KEY_ID }), context);
    const ops = kms.calls().map((c) => operationOf(c.args[0] as Parameters<typeof operationOf>[0]));
    console.log(`  ${label.padEnd(44)} ${ops.length}  (${ops.join(", ")})`);
  }
  kms.restore();
}

void main();
