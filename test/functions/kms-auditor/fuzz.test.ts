import { expect } from "chai";
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, ListAliasesCommand, ListResourceTagsCommand } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { ACCOUNT, DEFAULT_POLICY, KEY_ARN, KEY_ID, keyMetadata } from "./fixtures";
import { startMockedKmsAuditor, type MockedKmsAuditor } from "./local-server";

/** mulberry32: a tiny seeded PRNG, so a failing body can be reproduced from the seed and index. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20260115;
const COUNT = 1000;

function generator(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const randomString = (max: number) => Array.from({ length: int(max) }, () => String.fromCharCode(int(0xd7ff) + 1)).join("");
  const scalar = (): unknown => pick<unknown>([null, true, false, 0, -1, 1e308, 3.14, "", "x", randomString(20), "alias/", "arn:aws:kms:::", "\u0000", "../../etc", KEY_ID, KEY_ARN]);
  const value = (depth: number): unknown => {
    if (depth > 3 || random() < 0.5) return scalar();
    return random() < 0.5 ? Array.from({ length: int(4) }, () => value(depth + 1)) : Object.fromEntries(Array.from({ length: int(4) }, () => [pick(["key_id", "region", "action", "account_id", "additional_params", randomString(5)]), value(depth + 1)]));
  };
  const ACTION_OF: Record<string, string> = { "/audit-key": "audit_key", "/audit-key/": "audit_key", "/key-info": "get_key_info", "/health": "health" };
  const validish = (path: string) => {
    if (path === "/health" && random() < 0.5) return "{}";
    const body: Record<string, unknown> = {
      action: random() < 0.7 && ACTION_OF[path] ? ACTION_OF[path] : pick(["audit_key", "get_key_info", "health", "AUDIT_KEY", 7]),
      key_id: pick([KEY_ID, KEY_ARN, "alias/app", `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app`, `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`, `arn:aws:kms:eu-west-1:999999999999:key/${KEY_ID}`, "mrk-0123", randomString(30), "", 42, null]),
    };
    if (random() < 0.5) body.region = pick(["eu-west-1", "us-east-1", "EU-WEST-1", "mars-1", "", 1]);
    if (random() < 0.3) body.account_id = pick([ACCOUNT, "999999999999", "12", 111111111111]);
    if (random() < 0.3) body.additional_params = pick([{}, { trusted_accounts: ["222222222222"] }, { trusted_accounts: "x" }, { other: 1 }, []]);
    return JSON.stringify(body);
  };
  return (): { path: string; method: string; body: string | undefined } => {
    const path = random() < 0.7 ? pick(["/audit-key", "/key-info", "/health"]) : pick(["/audit-key/", "/", "/nope", "/AUDIT-KEY", "/audit-key?x=1", "/%zz"]);
    const method = random() < 0.9 ? "POST" : pick(["GET", "PUT", "DELETE", "PATCH"]);
    const kind = int(7);
    let body: string | undefined;
    if (kind === 0) body = randomString(200);
    else if (kind === 1) body = validish(path).slice(0, int(60));
    else if (kind === 2) body = JSON.stringify(value(0));
    else if (kind === 3) body = random() < 0.1 ? `{"action":"audit_key","key_id":"${"a".repeat(70_000)}"}` : "";
    else body = validish(path);
    return { path, method, body: method === "GET" ? undefined : body };
  };
}

describe("kms-auditor fuzz: 1,000 random and malformed requests through the local server", () => {
  let auditor: MockedKmsAuditor;
  let kms: MockedKmsAuditor["kms"];
  let sts: MockedKmsAuditor["sts"];
  let server: MockedKmsAuditor["server"];

  before(async () => {
    auditor = await startMockedKmsAuditor();
    ({ kms, sts, server } = auditor);
    kms.reset();
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMetadata() });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: DEFAULT_POLICY });
    kms.on(GetKeyRotationStatusCommand).rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    kms.on(ListAliasesCommand).resolves({ Aliases: [] });
    kms.on(ListResourceTagsCommand).resolves({ Tags: [] });
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  });
  after(() => auditor.close());

  it(`never answers 5xx and always answers JSON (seed ${SEED})`, async () => {
    const next = generator(prng(SEED));
    const statuses = new Map<number, number>();
    for (let i = 0; i < COUNT; i++) {
      const request = next();
      const answer = await server.post(request.path, request.body, { method: request.method, body: request.body ?? null });
      const where = `request #${i} (seed ${SEED}): ${request.method} ${request.path} ${String(request.body).slice(0, 120)}`;
      expect(answer.status, where).to.be.below(500);
      expect(answer.json, `${where} answered non-JSON: ${answer.text.slice(0, 200)}`).not.to.equal(undefined);
      if (answer.status >= 400) {
        expect(answer.json.error?.code, where).to.be.a("string");
        expect(answer.json.error?.message, where).to.be.a("string");
        expect(answer.json.requestId, where).to.be.a("string");
      }
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    }
    // The generator must reach the audit itself, not only the error paths.
    expect(statuses.get(200) ?? 0).to.be.greaterThan(50);
    expect([...statuses.keys()]).to.include.members([200, 400, 404, 405, 413]);
  }).timeout(120_000); // 1,000 HTTP round trips: seconds alone, much longer on a loaded 2-core machine
});
