/**
 * What the KMS checks read: the fetched API answers for one key, and the pure helpers several
 * checks share (rotation applicability, key-policy analysis). No AWS calls here.
 */
import type { KeyMetadata } from "@aws-sdk/client-kms";
import { result, type CheckMetadata, type CheckResult, type Fetched } from "../check";
import { evaluateAccess, parsePolicy, PolicyParseError, type AccessReport } from "../../iam-policy/policy";
import type { KeyRef } from "./key-ref";

export interface RotationStatus {
  readonly enabled: boolean;
  readonly periodInDays?: number;
  readonly nextRotationDate?: Date;
  /** The key whose status this is: the key itself, or the primary of a multi-Region replica. */
  readonly keyArn: string;
}

export interface AuditParams {
  /** Accounts whose access is expected; grants to them do not fail the cross-account check. */
  readonly trustedAccounts: readonly string[];
}

export interface KeyFacts {
  readonly ref: KeyRef;
  readonly metadata: Fetched<KeyMetadata>;
  /** The `default` key policy document, as JSON text. */
  readonly policy: Fetched<string>;
  /** Absent when rotation does not apply to the key (so it was not asked for). */
  readonly rotation?: Fetched<RotationStatus>;
  readonly params: AuditParams;
  /** The audit's clock (the snapshot's time when replaying), for expiry arithmetic. */
  readonly now: Date;
}

export type Applicability = { readonly applicable: true } | { readonly applicable: false; readonly reason: string };

/**
 * Whether automatic rotation (KMS.4) applies: only customer-managed symmetric encryption keys
 * whose material KMS generated, in the KMS key store. A replica applies too, judged by its primary.
 */
export function rotationApplicability(metadata: KeyMetadata): Applicability {
  if (metadata.KeyManager === "AWS") return { applicable: false, reason: "AWS-managed keys are rotated by AWS every year; their rotation cannot be configured." };
  const spec = metadata.KeySpec ?? metadata.CustomerMasterKeySpec ?? (metadata.KeyUsage === "GENERATE_VERIFY_MAC" ? "HMAC" : "SYMMETRIC_DEFAULT");
  if (spec.startsWith("HMAC") || metadata.KeyUsage === "GENERATE_VERIFY_MAC") return { applicable: false, reason: `HMAC keys (${spec}) do not support automatic rotation.` };
  if (spec !== "SYMMETRIC_DEFAULT") return { applicable: false, reason: `Asymmetric keys (${spec}) do not support automatic rotation.` };
  if (metadata.Origin === "EXTERNAL") return { applicable: false, reason: "Keys with imported key material cannot rotate automatically; rotate them manually (on demand)." };
  if (metadata.Origin === "AWS_CLOUDHSM" || metadata.Origin === "EXTERNAL_KEY_STORE" || metadata.CustomKeyStoreId) {
    return { applicable: false, reason: `Keys in a custom key store (${metadata.Origin ?? "custom"}) do not support automatic rotation.` };
  }
  return { applicable: true };
}

/** The primary key of a multi-Region replica, or undefined for other keys. */
export function replicaPrimary(metadata: KeyMetadata): { arn: string; region: string } | undefined {
  const config = metadata.MultiRegionConfiguration;
  if (metadata.MultiRegion !== true || config?.MultiRegionKeyType !== "REPLICA") return undefined;
  const arn = config.PrimaryKey?.Arn;
  const region = config.PrimaryKey?.Region;
  return arn && region ? { arn, region } : undefined;
}

/** Every KMS action a key policy can grant on a key (used as the actions of interest). */
export const KMS_KEY_ACTIONS: readonly string[] = [
  "CancelKeyDeletion", "CreateAlias", "CreateGrant", "Decrypt", "DeleteAlias", "DeleteImportedKeyMaterial", "DeriveSharedSecret",
  "DescribeKey", "DisableKey", "DisableKeyRotation", "EnableKey", "EnableKeyRotation", "Encrypt", "GenerateDataKey",
  "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", "GenerateMac",
  "GetKeyPolicy", "GetKeyRotationStatus", "GetParametersForImport", "GetPublicKey", "ImportKeyMaterial", "ListGrants",
  "ListKeyPolicies", "ListKeyRotations", "ListResourceTags", "PutKeyPolicy", "ReEncryptFrom", "ReEncryptTo", "ReplicateKey",
  "RetireGrant", "RevokeGrant", "RotateKeyOnDemand", "ScheduleKeyDeletion", "Sign", "SynchronizeMultiRegionKey", "TagResource",
  "UntagResource", "UpdateAlias", "UpdateKeyDescription", "UpdatePrimaryRegion", "Verify", "VerifyMac",
].map((a) => `kms:${a}`);

/** Actions that let a grantee change who can use the key, or destroy it. */
export const KMS_ADMIN_ACTIONS: ReadonlySet<string> = new Set(
  ["PutKeyPolicy", "CreateGrant", "ScheduleKeyDeletion", "DisableKey", "DeleteImportedKeyMaterial", "UpdatePrimaryRegion", "ReplicateKey"].map((a) => `kms:${a}`),
);

export type PolicyAnalysis = { readonly ok: true; readonly access: AccessReport; readonly ownerAccountId: string } | { readonly ok: false; readonly result: CheckResult };

const analyses = new WeakMap<KeyFacts, AccessReport>();

/**
 * The key policy's effective access, or the NOT_AVAILABLE result a policy check must give when
 * the metadata or policy could not be read or the policy cannot be parsed. Memoised per facts.
 */
export function analyseKeyPolicy(facts: KeyFacts, check: CheckMetadata): PolicyAnalysis {
  if (!facts.metadata.ok) return { ok: false, result: notAvailable(check, facts.metadata, "the key's metadata") };
  if (!facts.policy.ok) return { ok: false, result: notAvailable(check, facts.policy, "the key policy") };
  const ownerAccountId = facts.metadata.value.AWSAccountId ?? facts.ref.accountId ?? "";
  let access = analyses.get(facts);
  if (!access) {
    try {
      access = evaluateAccess(parsePolicy(facts.policy.value), { ownerAccountId, actions: KMS_KEY_ACTIONS, ...(facts.metadata.value.Arn ? { resources: [facts.metadata.value.Arn] } : {}) });
    } catch (error) {
      if (!(error instanceof PolicyParseError)) throw error;
      return { ok: false, result: result(check, "NOT_AVAILABLE", `The key policy could not be analysed: ${error.message}`, { errorCode: error.code }) };
    }
    analyses.set(facts, access);
  }
  return { ok: true, access, ownerAccountId };
}

/** The NOT_AVAILABLE result for a value that could not be fetched: never a pass. */
export function notAvailable(check: CheckMetadata, fetched: { readonly ok: false; readonly errorCode: string; readonly message?: string }, what: string): CheckResult {
  return result(check, "NOT_AVAILABLE", `Could not read ${what} (${fetched.errorCode})${fetched.message ? `: ${fetched.message}` : "."}`, { errorCode: fetched.errorCode });
}

/** Short principal list for reasons: `a, b and 3 more`. */
export function listForHumans(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}
