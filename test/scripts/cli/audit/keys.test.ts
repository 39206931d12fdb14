import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient, ListKeysCommand } from "@aws-sdk/client-kms";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { REPLAY_CREDENTIALS } from "../../../../functions/shared/cspm/snapshot";
import type { KeyAudit } from "../../../../functions/shared/cspm/audit-types";
import type { CliIo } from "../../../../scripts/cli/audit/cli";
import { runKeys, type KmsLiveClients } from "../../../../scripts/cli/audit/keys";
import { ACCOUNT, DEFAULT_POLICY, keyMetadata, policyOf, REGION, replicaMetadata, ROOT_STATEMENT } from "../../../functions/kms-auditor/fixtures";

const run = promisify(execFile);
const ROOT = resolve(__dirname, "../../../..");
const CUSTOMER = "11111111-1111-1111-1111-111111111111";
const AWS_MANAGED = "22222222-2222-2222-2222-222222222222";
const SIGNING = "33333333-3333-3333-3333-333333333333";
const REPLICA = "mrk-1234abcd12ab34cd56ef1234567890ab";

function sink(tty = false): CliIo & { out: string; err: string } {
  const s = { out: "", err: "", stdout: (t: string) => void (s.out += t), stderr: (t: string) => void (s.err += t), stdoutIsTty: tty, stderrIsTty: tty, env: {} };
  return s;
}

const live: KmsLiveClients = {
  kms: (region) => new KMSClient({ region, credentials: REPLAY_CREDENTIALS }),
  sts: (region) => new STSClient({ region, credentials: REPLAY_CREDENTIALS }),
  defaultRegion: async () => REGION,
};

// Created in before(): two files stubbing the same client class at load time would replace each other's stubs.
const mockKms = () => mockClient(KMSClient);

describe("audit keys CLI", () => {
  let kms: ReturnType<typeof mockKms>;
  let dir: string;

  before(async () => {
    kms = mockKms();
    dir = await mkdtemp(join(tmpdir(), "audit-keys-"));
  });
  after(async () => {
    kms.restore();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    kms.reset();
    // Two ListKeys pages; one AWS-managed key (skipped), one denied policy, one replica.
    kms.on(ListKeysCommand, {}).resolves({ Keys: [{ KeyId: CUSTOMER }, { KeyId: AWS_MANAGED }], Truncated: true, NextMarker: "page2" });
    kms.on(ListKeysCommand, { Marker: "page2" }).resolves({ Keys: [{ KeyId: SIGNING }, { KeyId: REPLICA }], Truncated: false });
    const arn = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
    kms.on(DescribeKeyCommand, { KeyId: CUSTOMER }).resolves({ KeyMetadata: keyMetadata({ KeyId: CUSTOMER, Arn: arn(CUSTOMER) }) });
    kms.on(DescribeKeyCommand, { KeyId: AWS_MANAGED }).resolves({ KeyMetadata: keyMetadata({ KeyId: AWS_MANAGED, Arn: arn(AWS_MANAGED), KeyManager: "AWS" }) });
    kms.on(DescribeKeyCommand, { KeyId: SIGNING }).resolves({ KeyMetadata: keyMetadata({ KeyId: SIGNING, Arn: arn(SIGNING), KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }) });
    kms.on(DescribeKeyCommand, { KeyId: REPLICA }).resolves({ KeyMetadata: replicaMetadata() });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: DEFAULT_POLICY });
    kms.on(GetKeyPolicyCommand, { KeyId: arn(SIGNING) }).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    kms.on(GetKeyPolicyCommand, { KeyId: arn(CUSTOMER) }).resolves({ Policy: policyOf(ROOT_STATEMENT, { Sid: "Open", Effect: "Allow", Principal: "*", Action: "kms:Decrypt" }) });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
  });

  it("audits every customer key, and --from-snapshot reproduces the live JSON offline", async () => {
    const snapshot = join(dir, "keys.json");
    const liveIo = sink();
    // SIGNING's policy is denied: audited, but incomplete (exit 4).
    expect(await runKeys({ output: "json", saveSnapshot: snapshot }, liveIo, live)).to.equal(4);
    expect(liveIo.err).to.contain(`The audit is incomplete: 1 key(s) could not be fully read (NOT_AVAILABLE): ${SIGNING}.`);
    const liveAudits = JSON.parse(liveIo.out) as KeyAudit[];
    kms.reset(); // from here on, any call to the mock would answer nothing

    const offlineIo = sink();
    expect(await runKeys({ output: "json", fromSnapshot: snapshot }, offlineIo, live)).to.equal(4);

    expect(liveAudits.map((a) => a.keyId)).to.deep.equal([CUSTOMER, SIGNING, REPLICA]);
    expect(liveAudits[0]!.results.find((r) => r.checkId === "kms_key_policy_not_public")?.status).to.equal("FAILED");
    expect(liveAudits[1]!.results.find((r) => r.checkId === "kms_key_policy_not_public")).to.include({ status: "NOT_AVAILABLE", errorCode: "AccessDeniedException" });
    expect(offlineIo.out).to.equal(liveIo.out);
    expect(kms.calls()).to.have.length(0);
    const saved = JSON.parse(await readFile(snapshot, "utf8"));
    expect(saved).to.include({ format: "cspm-snapshot/1", kind: "kms-keys" });
    expect(saved.calls.map((c: { region: string; operation: string }) => `${c.region} ${c.operation}`)).to.include("us-east-1 GetKeyRotationStatus");
  });

  it("a key id ListKeys returns that the parser does not know is NOT_AVAILABLE for that key; the rest are audited (exit 4, not 2)", async () => {
    kms.on(ListKeysCommand, { Marker: "page2" }).resolves({ Keys: [{ KeyId: "not-a-key-id" }, { KeyId: REPLICA }], Truncated: false });
    const io = sink();
    expect(await runKeys({ output: "json", region: REGION }, io, live)).to.equal(4);
    const audits = JSON.parse(io.out) as KeyAudit[];
    expect(audits.map((a) => a.keyId)).to.deep.equal([CUSTOMER, REPLICA, "not-a-key-id"]);
    expect(new Set(audits[2]!.results.map((r) => `${r.status} ${r.errorCode}`))).to.deep.equal(new Set(["NOT_AVAILABLE InvalidKeyId"]));
    expect(io.err).to.contain("not-a-key-id");
  });

  it("audits only the named keys and prints a table, coloured only on a TTY", async () => {
    const plain = sink(false);
    const tty = sink(true);
    expect(await runKeys({ keyId: [CUSTOMER], region: REGION }, plain, live)).to.equal(0);
    expect(await runKeys({ keyId: [CUSTOMER], region: REGION }, tty, live)).to.equal(0);

    expect(plain.out).to.match(new RegExp(`${CUSTOMER}\\s+kms_key_policy_not_public\\s+FAILED`));
    expect(plain.out).to.contain("1 key(s), 1 failed check(s).");
    expect(plain.out).not.to.contain("\x1b[");
    expect(tty.out).to.contain("\x1b[31mFAILED");
    expect(kms.commandCalls(ListKeysCommand)).to.have.length(0);
  });

  it("exits 2 with one sentence for usage errors, 1 for a key that does not exist", async () => {
    const bad = sink();
    expect(await runKeys({ keyId: ["not a key"], region: REGION }, bad, live)).to.equal(2);
    expect(bad.err.trim().split("\n")).to.have.length(1);
    expect(await runKeys({ fromSnapshot: join(dir, "missing.json") }, sink(), live)).to.equal(2);
    kms.on(DescribeKeyCommand, { KeyId: "alias/gone" }).rejects(Object.assign(new Error("not found"), { name: "NotFoundException" }));
    const missing = sink();
    expect(await runKeys({ keyId: ["alias/gone"], region: REGION }, missing, live)).to.equal(1);
    expect(missing.err).to.contain("KeyNotFound");
  });

  it("as a process: a bad option exits 2 without a stack trace, --help exits 0", async () => {
    const script = join(ROOT, "scripts/cli/audit/main.ts");
    const failed = await run(process.execPath, ["--import", "tsx", script, "keys", "--output", "pdf"], { cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    const help = await run(process.execPath, ["--import", "tsx", script, "keys", "--help"], { cwd: ROOT });

    expect((failed as { code: number }).code).to.equal(2);
    expect((failed as { stderr: string }).stderr).to.match(/--output.*pdf/).and.not.match(/\n\s+at /);
    expect(help.stdout).to.contain("--from-snapshot <file>").and.contain("--key-id <id>");
  });
});
