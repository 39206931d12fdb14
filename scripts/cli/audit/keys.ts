/**
 * `audit keys`: audits KMS keys from the command line with the user's AWS credentials, the same
 * checks as the KMS auditor API. `--save-snapshot` records the raw KMS answers; `--from-snapshot`
 * replays them offline (docs/snapshots.md).
 */
import { KMSClient, paginateListKeys } from "@aws-sdk/client-kms";
import { STSClient } from "@aws-sdk/client-sts";
import { Command, Option } from "commander";
import type { KeyAudit } from "../../../functions/shared/cspm/audit-types";
import { ValidationError } from "../../../functions/shared/platform/errors";
import { REPLAY_CREDENTIALS, SnapshotRecorder, SnapshotReplayer } from "../../../functions/shared/cspm/snapshot";
import { auditKey, judgeKey } from "../../../functions/shared/cspm/kms/audit";
import { callerAccount } from "../../../functions/shared/cspm/kms/caller-account";
import { awsClient, regionalClients } from "../../../functions/shared/platform/aws-clients";
import { mapWithConcurrency } from "../../../functions/shared/platform/concurrency";
import { describeKey, fetchFactsFor, type KmsDeps } from "../../../functions/shared/cspm/kms/fetch";
import { parseKeyRef, type KeyRef } from "../../../functions/shared/cspm/kms/key-ref";
import { collect, type CliIo, EXIT_INCOMPLETE, EXIT_OK, exitOnUsageError, processIo, renderTable, reportError, sdkDefaultRegion, SEVERITY_COLOR, STATUS_COLOR, useColor } from "./cli";

export const SNAPSHOT_KIND = "kms-keys";
const OUTPUTS = ["table", "json"] as const;
const CONCURRENCY = 8;

export interface KeysCommandOptions {
  readonly keyId?: readonly string[];
  readonly region?: string;
  readonly output?: (typeof OUTPUTS)[number];
  readonly saveSnapshot?: string;
  readonly fromSnapshot?: string;
}

/** AWS clients for a live run; tests inject mocked ones. */
export interface KmsLiveClients {
  kms(region: string): KMSClient;
  sts(region: string): STSClient;
  /** The region from the SDK's configuration chain (AWS_REGION, profile), if any. */
  defaultRegion(): Promise<string | undefined>;
}

export const sdkKmsClients: KmsLiveClients = {
  kms: (region) => awsClient((config) => new KMSClient(config), region),
  sts: (region) => awsClient((config) => new STSClient(config), region),
  defaultRegion: sdkDefaultRegion,
};

interface Session {
  readonly region: string;
  readonly deps: KmsDeps;
  readonly recorder?: SnapshotRecorder;
}

async function session(options: KeysCommandOptions, live: KmsLiveClients): Promise<Session> {
  if (options.fromSnapshot && options.saveSnapshot) throw new ValidationError("--from-snapshot and --save-snapshot cannot be combined: a replay records nothing new.");
  if (options.fromSnapshot) {
    const replayer = await SnapshotReplayer.load(options.fromSnapshot);
    if (replayer.snapshot.kind !== SNAPSHOT_KIND) throw new ValidationError(`${options.fromSnapshot} is a ${replayer.snapshot.kind} snapshot, not ${SNAPSHOT_KIND}.`);
    const described = [...new Set(replayer.snapshot.calls.filter((c) => c.service === "kms" && (c.operation === "ListKeys" || c.operation === "DescribeKey")).map((c) => c.region))];
    const region = options.region ?? (described.length === 1 ? described[0]! : undefined);
    if (!region) throw new ValidationError(`${options.fromSnapshot} holds keys of several regions (${described.join(", ")}); pass --region.`);
    const kms = regionalClients((config) => replayer.replay(new KMSClient({ ...config, credentials: REPLAY_CREDENTIALS }), "kms", config.region));
    const sts = replayer.replay(new STSClient({ region, credentials: REPLAY_CREDENTIALS }), "sts", region);
    // The snapshot's time, so expiry arithmetic gives what the recorded run gave.
    const now = new Date(replayer.snapshot.createdAt);
    return { region, deps: { kms, ownAccountId: callerAccount(() => sts), now: () => now } };
  }
  const region = options.region ?? (await live.defaultRegion());
  if (!region) throw new ValidationError("No AWS region is configured: pass --region, or set AWS_REGION or a region in your AWS profile.");
  const recorder = options.saveSnapshot ? new SnapshotRecorder(SNAPSHOT_KIND) : undefined;
  const kms = regionalClients(({ region: r }) => (recorder ? recorder.record(live.kms(r), "kms", r) : live.kms(r)));
  const sts = recorder ? recorder.record(live.sts(region), "sts", region) : live.sts(region);
  const now = new Date();
  return { region, deps: { kms, ownAccountId: callerAccount(() => sts), now: () => now }, ...(recorder ? { recorder } : {}) };
}

/** Audits the named keys, or every customer-managed key of the region. */
export async function auditKeys(options: KeysCommandOptions, s: Session): Promise<KeyAudit[]> {
  const params = { trustedAccounts: [] };
  if (options.keyId && options.keyId.length > 0) {
    const refs = options.keyId.map((id) => parseKeyRef(id, { ...(options.region ? { region: options.region } : {}), defaultRegion: s.region }));
    return mapWithConcurrency(refs, CONCURRENCY, (ref) => auditKey(s.deps, ref, params));
  }
  const keyIds: string[] = [];
  for await (const page of paginateListKeys({ client: s.deps.kms(s.region) }, {})) for (const k of page.Keys ?? []) if (k.KeyId) keyIds.push(k.KeyId);
  const audits = await mapWithConcurrency(keyIds.sort(), CONCURRENCY, async (keyId): Promise<KeyAudit | undefined> => {
    let ref: KeyRef;
    try {
      ref = parseKeyRef(keyId, { defaultRegion: s.region });
    } catch (error) {
      // Data that came from AWS is never a usage error: this key is NOT_AVAILABLE, the rest are audited.
      const failed = { ok: false, errorCode: (error as ValidationError).code ?? "InvalidKeyId", message: (error as Error).message } as const;
      return judgeKey({ ref: { input: keyId, form: "key-id", region: s.region }, metadata: failed, policy: failed, rotation: failed, params, now: s.deps.now() });
    }
    let metadata;
    try {
      metadata = await describeKey(s.deps, ref);
    } catch {
      return undefined; // deleted between ListKeys and DescribeKey
    }
    if (!metadata.ok) return judgeKey({ ref, metadata, policy: metadata, rotation: metadata, params, now: s.deps.now() });
    if (metadata.value.KeyManager === "AWS") return undefined;
    return judgeKey(await fetchFactsFor(s.deps, ref, metadata.value, params, s.deps.now()));
  });
  return audits.filter((a): a is KeyAudit => a !== undefined);
}

export function renderKeys(audits: readonly KeyAudit[], format: "table" | "json", color: boolean): string {
  if (format === "json") return JSON.stringify(audits, null, 2) + "\n";
  if (audits.length === 0) return "No customer-managed keys found.\n";
  const rows = audits.flatMap((a) =>
    a.results.map((r) => [
      a.keyId,
      r.checkId,
      { text: r.status, color: STATUS_COLOR[r.status] },
      { text: r.severity ?? "", ...(r.severity && SEVERITY_COLOR[r.severity] ? { color: SEVERITY_COLOR[r.severity]! } : {}) },
      r.reason + (r.errorCode ? ` [${r.errorCode}]` : ""),
    ]),
  );
  const failed = audits.reduce((n, a) => n + a.results.filter((r) => r.status === "FAILED").length, 0);
  return renderTable(["KEY", "CHECK", "STATUS", "SEVERITY", "REASON"], rows, color) + `\n${audits.length} key(s), ${failed} failed check(s).\n`;
}

/** Runs the command; returns the exit code. */
export async function runKeys(options: KeysCommandOptions, io: CliIo = processIo(), live: KmsLiveClients = sdkKmsClients): Promise<number> {
  try {
    const s = await session(options, live);
    const audits = await auditKeys(options, s);
    if (s.recorder && options.saveSnapshot) {
      await s.recorder.save(options.saveSnapshot);
      io.stderr(`Saved the raw KMS answers to ${options.saveSnapshot}.\n`);
    }
    io.stdout(renderKeys(audits, options.output ?? "table", useColor(io)));
    const incomplete = audits.filter((a) => a.results.some((r) => r.status === "NOT_AVAILABLE"));
    if (incomplete.length > 0) {
      io.stderr(`The audit is incomplete: ${incomplete.length} key(s) could not be fully read (NOT_AVAILABLE): ${incomplete.map((a) => a.keyId).join(", ")}.\n`);
      return EXIT_INCOMPLETE;
    }
    return EXIT_OK;
  } catch (error) {
    return reportError(io, "audit keys", error);
  }
}

/** Adds `keys` to the audit program. */
export function register(program: Command): Command {
  return program
    .command("keys")
    .description("Audit KMS keys: rotation (KMS.4), pending deletion (KMS.3), state, public policy (KMS.5), cross-account and kms:* grants, multi-Region, imported material expiry.")
    .option("--key-id <id>", "key id, key ARN, alias name or alias ARN to audit (repeatable; default: every customer-managed key in the region)", collect, [])
    .option("--region <region>", "region of the keys (default: the SDK's configured region)")
    .addOption(new Option("--output <format>", "output format").choices([...OUTPUTS]).default("table"))
    .option("--save-snapshot <file>", "record the raw KMS answers to a file (see docs/snapshots.md)")
    .option("--from-snapshot <file>", "audit offline from a recorded snapshot instead of AWS")
    .addHelpText("after", "\nExit codes: 0 audited, 1 the audit could not run, 2 usage error, 4 audited but some keys could not be fully read (NOT_AVAILABLE).")
    .exitOverride(exitOnUsageError)
    .action(async (opts: KeysCommandOptions) => {
      process.exitCode = await runKeys(opts);
    });
}
