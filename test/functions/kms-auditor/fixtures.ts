/** Key fixtures for the KMS checks: DescribeKey metadata and key policies as KMS returns them. */
import type { KeyMetadata } from "@aws-sdk/client-kms";
import type { Fetched } from "../../../functions/shared/cspm/check";
import type { KeyFacts, RotationStatus } from "../../../functions/shared/cspm/kms/facts";
import { parseKeyRef } from "../../../functions/shared/cspm/kms/key-ref";

export const ACCOUNT = "111111111111";
export const REGION = "eu-west-1";
export const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
export const NOW = new Date("2026-01-15T00:00:00.000Z");

export function keyMetadata(overrides: Partial<KeyMetadata> = {}): KeyMetadata {
  return {
    AWSAccountId: ACCOUNT,
    KeyId: KEY_ID,
    Arn: KEY_ARN,
    CreationDate: new Date("2024-01-01T00:00:00.000Z"),
    Enabled: true,
    Description: "app data",
    KeyUsage: "ENCRYPT_DECRYPT",
    KeyState: "Enabled",
    Origin: "AWS_KMS",
    KeyManager: "CUSTOMER",
    KeySpec: "SYMMETRIC_DEFAULT",
    CustomerMasterKeySpec: "SYMMETRIC_DEFAULT",
    EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
    MultiRegion: false,
    ...overrides,
  };
}

export const PRIMARY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab`;
export const REPLICA_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab`;

export function replicaMetadata(): KeyMetadata {
  return keyMetadata({
    KeyId: "mrk-1234abcd12ab34cd56ef1234567890ab",
    Arn: REPLICA_ARN,
    MultiRegion: true,
    MultiRegionConfiguration: {
      MultiRegionKeyType: "REPLICA",
      PrimaryKey: { Arn: PRIMARY_ARN, Region: "us-east-1" },
      ReplicaKeys: [{ Arn: REPLICA_ARN, Region: REGION }],
    },
  });
}

export function policyOf(...statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Id: "key-policy", Statement: statements });
}

export const ROOT_STATEMENT = { Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };
export const DEFAULT_POLICY = policyOf(ROOT_STATEMENT);

export function ok<T>(value: T): Fetched<T> {
  return { ok: true, value };
}
export function failed(errorCode: string): Fetched<never> {
  return { ok: false, errorCode, message: `${errorCode} for the test` };
}

export function facts(options: { metadata?: Fetched<KeyMetadata>; policy?: Fetched<string>; rotation?: Fetched<RotationStatus>; trustedAccounts?: string[] } = {}): KeyFacts {
  return {
    ref: parseKeyRef(KEY_ARN, { defaultRegion: REGION }),
    metadata: options.metadata ?? ok(keyMetadata()),
    policy: options.policy ?? ok(DEFAULT_POLICY),
    ...(options.rotation ? { rotation: options.rotation } : {}),
    params: { trustedAccounts: options.trustedAccounts ?? [] },
    now: NOW,
  };
}
