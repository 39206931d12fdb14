/** Fixture builders: a well-configured bucket and account, each test overriding what it is about. */
import type { Fetched } from "../../../functions/shared/cspm/check";
import { scanContext } from "../../../functions/shared/cspm/s3/audit";
import type { BucketCheckInput, ScanContext } from "../../../functions/shared/cspm/s3/checks/types";
import type { AccountInventory, BucketInventory, Inventory, PublicAccessBlockFlags } from "../../../functions/shared/cspm/s3/inventory";

export const OWNER = "111122223333";
export const OTHER = "444455556666";

export const ALL_ON: PublicAccessBlockFlags = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
export const ALL_OFF: PublicAccessBlockFlags = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };

export const ok = <T>(value: T): Fetched<T> => ({ ok: true, value });
export const denied: Fetched<never> = { ok: false, errorCode: "AccessDenied", message: "Access Denied" };

export function tlsPolicy(name: string): object {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

export function policyOf(...statements: object[]): Fetched<string> {
  return ok(JSON.stringify({ Version: "2012-10-17", Statement: statements }));
}

export function account(overrides: Partial<AccountInventory> = {}): AccountInventory {
  return { accountId: OWNER, partition: "aws", homeRegion: "us-east-1", publicAccessBlock: ok(ALL_ON), ...overrides };
}

/** A bucket that passes every check (MFA delete is not applicable: S3 forbids it with a lifecycle configuration). */
export function bucket(name = "good-bucket", overrides: Partial<BucketInventory> = {}): BucketInventory {
  return {
    name,
    region: "eu-west-1",
    arn: `arn:aws:s3:::${name}`,
    policy: policyOf(tlsPolicy(name)),
    policyStatus: ok(false),
    acl: ok(null),
    publicAccessBlock: ok(ALL_ON),
    encryption: ok([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "arn:aws:kms:eu-west-1:111122223333:key/k1" }, BucketKeyEnabled: true, BlockedEncryptionTypes: { EncryptionType: ["SSE-C"] } }]),
    versioning: ok({ status: "Enabled", mfaDelete: false }),
    logging: ok({ TargetBucket: "logs-bucket", TargetPrefix: `${name}/` }),
    ownership: ok("BucketOwnerEnforced"),
    objectLock: ok({ ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 30 } } }),
    lifecycle: ok([{ ID: "expire-noncurrent", Status: "Enabled", NoncurrentVersionExpiration: { NoncurrentDays: 90 } }]),
    replication: ok({ Role: "arn:aws:iam::111122223333:role/r", Rules: [{ Status: "Enabled", Destination: { Bucket: "arn:aws:s3:::replica-bucket" } }] }),
    notifications: ok({ topics: 0, queues: 0, lambdaFunctions: 0, eventBridge: true }),
    ...overrides,
  };
}

/**
 * An inventory auditing `buckets`; `otherBuckets` (name → region) are the account's buckets that
 * ListBuckets returned but the scan does not audit (another region, or not named).
 */
export function inventory(buckets: BucketInventory[], accountOverrides: Partial<AccountInventory> = {}, otherBuckets: Readonly<Record<string, string>> = {}): Inventory {
  const bucketRegions = new Map([...Object.entries(otherBuckets), ...buckets.map((b) => [b.name, b.region] as const)]);
  return { account: account(accountOverrides), buckets, bucketRegions, deletedBuckets: [], errors: [], apiCalls: 0 };
}

/** The input of a bucket check, with the scan context of `others` plus a replica in another region. */
export function input(b: BucketInventory, accountOverrides: Partial<AccountInventory> = {}, others: BucketInventory[] = []): BucketCheckInput {
  const replica = bucket("replica-bucket", { region: "us-west-2", replication: ok(null) });
  const context: ScanContext = scanContext(inventory([b, replica, ...others], accountOverrides));
  return { bucket: b, context };
}
