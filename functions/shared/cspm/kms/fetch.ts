/**
 * Gathers the facts the checks read with the fewest KMS calls: DescribeKey, GetKeyPolicy and,
 * only where rotation applies, GetKeyRotationStatus (on the primary for a multi-Region replica).
 * Every answer is a Fetched<T>, so an API error becomes NOT_AVAILABLE in the checks, never a pass.
 */
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  paginateListAliases,
  paginateListResourceTags,
  type KeyMetadata,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { awsErrorCode, NotFoundError } from "../../platform/errors";
import type { Fetched } from "../check";
import { HttpError } from "../../platform/http";
import { replicaPrimary, rotationApplicability, type AuditParams, type KeyFacts, type RotationStatus } from "./facts";
import type { KeyRef } from "./key-ref";

export interface KmsDeps {
  /** A KMS client for a region (cached by the caller). */
  kms(region: string): KMSClient;
  /** The account the function (or CLI user) runs in, to refuse keys of other accounts. */
  ownAccountId(): Promise<string>;
  now(): Date;
}

type Failed = Extract<Fetched<never>, { readonly ok: false }>;

async function fetched<T>(call: () => Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return failure(awsErrorCode(error), (error as Error)?.message);
  }
}

function failure(errorCode: string, message?: string): Failed {
  return message ? { ok: false, errorCode, message } : { ok: false, errorCode };
}

/** Same-account check: a key of another account (from its ARN or account_id) is never audited, so never passes. */
export async function crossAccountFailure(deps: KmsDeps, ref: KeyRef): Promise<Failed | undefined> {
  if (ref.accountId === undefined) return undefined;
  let own: string;
  try {
    own = await deps.ownAccountId();
  } catch (error) {
    return failure(awsErrorCode(error), `could not tell which account this auditor runs in: ${(error as Error)?.message}`);
  }
  return own === ref.accountId ? undefined : failure("CrossAccountKey", `the key is in account ${ref.accountId}, not in ${own} where this auditor runs`);
}

/**
 * DescribeKey. A key that does not exist is a 404 for the caller (NotFoundError); any other error
 * is returned as a failed Fetched.
 */
export async function describeKey(deps: KmsDeps, ref: KeyRef): Promise<Fetched<KeyMetadata>> {
  const described = await fetched(() => deps.kms(ref.region).send(new DescribeKeyCommand({ KeyId: ref.input })));
  if (!described.ok) {
    if (described.errorCode === "NotFoundException") {
      throw new NotFoundError(`Key ${ref.input} was not found in ${ref.region}; check the key id and region.`, "KeyNotFound");
    }
    return described;
  }
  const metadata = described.value.KeyMetadata;
  return metadata ? { ok: true, value: metadata } : failure("EmptyResponse", "DescribeKey returned no KeyMetadata");
}

async function rotationStatus(deps: KmsDeps, metadata: KeyMetadata, region: string): Promise<Fetched<RotationStatus>> {
  const primary = replicaPrimary(metadata);
  const keyArn = primary?.arn ?? metadata.Arn ?? metadata.KeyId!;
  return fetched(async () => {
    const answer = await deps.kms(primary?.region ?? region).send(new GetKeyRotationStatusCommand({ KeyId: keyArn }));
    return {
      enabled: answer.KeyRotationEnabled === true,
      keyArn,
      ...(answer.RotationPeriodInDays !== undefined ? { periodInDays: answer.RotationPeriodInDays } : {}),
      ...(answer.NextRotationDate ? { nextRotationDate: answer.NextRotationDate } : {}),
    };
  });
}

/** Everything the checks need for one key: 2 KMS calls, 3 when rotation applies. */
export async function fetchKeyFacts(deps: KmsDeps, ref: KeyRef, params: AuditParams): Promise<KeyFacts> {
  const now = deps.now();
  const foreign = await crossAccountFailure(deps, ref);
  if (foreign) return { ref, metadata: foreign, policy: foreign, rotation: foreign, params, now };
  const metadata = await describeKey(deps, ref);
  if (!metadata.ok) return { ref, metadata, policy: metadata, rotation: metadata, params, now };
  return fetchFactsFor(deps, ref, metadata.value, params, now);
}

/** The rest of the facts once DescribeKey answered (the CLI describes keys first to skip AWS-managed ones). */
export async function fetchFactsFor(deps: KmsDeps, ref: KeyRef, metadata: KeyMetadata, params: AuditParams, now: Date): Promise<KeyFacts> {
  const keyId = metadata.Arn ?? metadata.KeyId!;
  const client = deps.kms(ref.region);
  const [policy, rotation] = await Promise.all([
    fetched(async () => {
      const answer = await client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }));
      if (answer.Policy === undefined) throw Object.assign(new Error("GetKeyPolicy returned no Policy"), { name: "EmptyResponse" });
      return answer.Policy;
    }),
    rotationApplicability(metadata).applicable ? rotationStatus(deps, metadata, ref.region) : Promise.resolve(undefined),
  ]);
  return rotation ? { ref, metadata: { ok: true, value: metadata }, policy, rotation, params, now } : { ref, metadata: { ok: true, value: metadata }, policy, params, now };
}

/** `POST /key-info`: DescribeKey essentials, aliases, rotation status and period, tags. */
export async function fetchKeyInfo(deps: KmsDeps, ref: KeyRef): Promise<Record<string, unknown>> {
  const foreign = await crossAccountFailure(deps, ref);
  if (foreign) {
    // Refused by design (the auditor reads only its own account's keys), not an upstream failure.
    const status = foreign.errorCode === "CrossAccountKey" ? 403 : 502;
    throw new HttpError(status, foreign.errorCode, `Key ${ref.input} cannot be read: ${foreign.message}.`);
  }
  const described = await describeKey(deps, ref);
  if (!described.ok) throw new KeyUnavailableError(described.errorCode, `DescribeKey failed for ${ref.input} (${described.errorCode}): ${described.message ?? ""}`.trim());
  const m = described.value;
  const keyId = m.Arn ?? m.KeyId!;
  const client = deps.kms(ref.region);
  const applicability = rotationApplicability(m);
  const [aliases, tags, rotation] = await Promise.all([
    fetched(async () => {
      const names: string[] = [];
      for await (const page of paginateListAliases({ client }, { KeyId: m.KeyId })) for (const a of page.Aliases ?? []) if (a.AliasName) names.push(a.AliasName);
      return names.sort();
    }),
    fetched(async () => {
      const out: Record<string, string> = {};
      for await (const page of paginateListResourceTags({ client }, { KeyId: keyId })) for (const t of page.Tags ?? []) if (t.TagKey) out[t.TagKey] = t.TagValue ?? "";
      return out;
    }),
    applicability.applicable ? rotationStatus(deps, m, ref.region) : Promise.resolve(undefined),
  ]);
  return {
    ...keyEssentials(m, ref.region),
    aliases: aliases.ok ? aliases.value : { error: { code: aliases.errorCode, message: aliases.message } },
    rotation: !applicability.applicable
      ? { applicable: false, reason: applicability.reason }
      : rotation?.ok
        ? { applicable: true, enabled: rotation.value.enabled, periodInDays: rotation.value.periodInDays, nextRotationDate: rotation.value.nextRotationDate?.toISOString(), keyArn: rotation.value.keyArn }
        : { applicable: true, error: { code: rotation?.errorCode, message: rotation?.message } },
    tags: tags.ok ? tags.value : { error: { code: tags.errorCode, message: tags.message } },
  };
}

/** DescribeKey essentials as JSON-friendly facts (dates as ISO strings). */
export function keyEssentials(m: KeyMetadata, region: string): Record<string, unknown> {
  const config = m.MultiRegionConfiguration;
  const facts: Record<string, unknown> = {
    keyId: m.KeyId,
    keyArn: m.Arn,
    accountId: m.AWSAccountId,
    region,
    description: m.Description,
    enabled: m.Enabled,
    keyState: m.KeyState,
    keyManager: m.KeyManager,
    keySpec: m.KeySpec,
    keyUsage: m.KeyUsage,
    origin: m.Origin,
    creationDate: m.CreationDate?.toISOString(),
    deletionDate: m.DeletionDate?.toISOString(),
    validTo: m.ValidTo?.toISOString(),
    expirationModel: m.ExpirationModel,
    customKeyStoreId: m.CustomKeyStoreId,
    multiRegion: m.MultiRegion,
    multiRegionKeyType: config?.MultiRegionKeyType,
    primaryKeyArn: config?.PrimaryKey?.Arn,
    replicaRegions: config?.ReplicaKeys?.map((r) => r.Region),
  };
  for (const key of Object.keys(facts)) if (facts[key] === undefined) delete facts[key];
  return facts;
}

/** The key exists but the function cannot read it (AccessDenied, other account, throttled): HTTP 502 with the AWS code. */
export class KeyUnavailableError extends HttpError {
  constructor(code: string, message: string) {
    super(502, code, message);
  }
}
