/**
 * Builds `s3-buckets` snapshots directly (no AWS, no recording): the answers S3, S3 Control and STS
 * would give for a described account. Used by the CLI tests and by bench/audit.ts.
 */
import { SNAPSHOT_FORMAT, type Snapshot, type SnapshotCall, encode } from "../../../functions/shared/cspm/snapshot";
import { ALL_ON, tlsPolicy } from "./fixtures";

export type Answer = { readonly output: unknown } | { readonly error: string };

/** Per-bucket S3 operation → answer; omitted operations get the well-configured default. */
export interface BucketSpec {
  readonly name: string;
  readonly region: string;
  readonly answers?: Readonly<Record<string, Answer>>;
}

export interface AccountSpec {
  readonly accountId: string;
  readonly homeRegion: string;
  readonly accountPublicAccessBlock: Answer;
  readonly buckets: readonly BucketSpec[];
  /** ListBuckets page size the inventory uses. */
  readonly pageSize?: number;
}

/** The answers of a bucket that passes every check (MFA delete aside: it has lifecycle rules). */
export function wellConfigured(name: string, accountId: string, region: string): Record<string, Answer> {
  return {
    GetBucketPolicy: { output: { Policy: JSON.stringify({ Version: "2012-10-17", Statement: [tlsPolicy(name)] }) } },
    GetBucketPolicyStatus: { output: { PolicyStatus: { IsPublic: false } } },
    GetBucketOwnershipControls: { output: { OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } } },
    GetBucketAcl: { output: { Owner: { ID: "owner" }, Grants: [] } },
    GetPublicAccessBlock: { output: { PublicAccessBlockConfiguration: ALL_ON } },
    GetBucketEncryption: {
      output: { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: `arn:aws:kms:${region}:${accountId}:key/${name}` }, BucketKeyEnabled: true }] } },
    },
    GetBucketVersioning: { output: { Status: "Enabled", MFADelete: "Disabled" } },
    GetBucketLogging: { output: { LoggingEnabled: { TargetBucket: "logs-bucket", TargetPrefix: `${name}/` } } },
    GetObjectLockConfiguration: { output: { ObjectLockConfiguration: { ObjectLockEnabled: "Enabled" } } },
    GetBucketLifecycleConfiguration: { output: { Rules: [{ ID: "expire", Status: "Enabled", Expiration: { Days: 365 } }] } },
    GetBucketReplication: { error: "ReplicationConfigurationNotFoundError" },
    GetBucketNotificationConfiguration: { output: { EventBridgeConfiguration: {} } },
  };
}

function call(service: string, region: string, operation: string, input: object, answer: Answer): SnapshotCall {
  return "error" in answer
    ? { service, region, operation, input: encode(input), error: { name: answer.error, message: `${answer.error} (fixture)` } }
    : { service, region, operation, input: encode(input), output: encode(answer.output) };
}

export function buildSnapshot(spec: AccountSpec): Snapshot {
  const home = spec.homeRegion;
  const pageSize = spec.pageSize ?? 1000;
  const calls: SnapshotCall[] = [
    call("sts", home, "GetCallerIdentity", {}, { output: { Account: spec.accountId, Arn: `arn:aws:iam::${spec.accountId}:user/auditor`, UserId: "AIDAFIXTURE" } }),
    call("s3-control", home, "GetPublicAccessBlock", { AccountId: spec.accountId }, spec.accountPublicAccessBlock),
  ];
  const entry = (b: BucketSpec) => ({ Name: b.name, BucketRegion: b.region, CreationDate: new Date("2024-01-01T00:00:00.000Z") });
  // The full listing, page by page: every scope (--bucket, --region, several regions) lists the whole account.
  for (let start = 0; start === 0 || start < spec.buckets.length; start += pageSize) {
    const page = spec.buckets.slice(start, start + pageSize);
    const next = start + pageSize < spec.buckets.length ? `page-${start + pageSize}` : undefined;
    calls.push(call("s3", home, "ListBuckets", { MaxBuckets: pageSize, ContinuationToken: start === 0 ? undefined : `page-${start}` }, { output: { Buckets: page.map(entry), ContinuationToken: next } }));
  }
  for (const b of spec.buckets) {
    const answers = { ...wellConfigured(b.name, spec.accountId, b.region), ...b.answers };
    for (const [operation, answer] of Object.entries(answers)) calls.push(call("s3", b.region, operation, { Bucket: b.name }, answer));
  }
  return { format: SNAPSHOT_FORMAT, kind: "s3-buckets", createdAt: "2025-01-01T00:00:00.000Z", calls };
}

/** A small account: one public bucket, one good bucket, the log bucket and a replica in another region. */
export function fixtureAccount(): AccountSpec {
  const accountId = "111122223333";
  const publicPolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::public-site/*" }],
  });
  return {
    accountId,
    homeRegion: "us-east-1",
    accountPublicAccessBlock: { error: "NoSuchPublicAccessBlockConfiguration" },
    buckets: [
      {
        name: "public-site",
        region: "eu-west-1",
        answers: {
          GetBucketPolicy: { output: { Policy: publicPolicy } },
          GetBucketPolicyStatus: { output: { PolicyStatus: { IsPublic: true } } },
          GetPublicAccessBlock: { error: "NoSuchPublicAccessBlockConfiguration" },
          GetBucketOwnershipControls: { output: { OwnershipControls: { Rules: [{ ObjectOwnership: "ObjectWriter" }] } } },
          GetBucketAcl: { output: { Owner: { ID: "owner" }, Grants: [{ Grantee: { Type: "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers" }, Permission: "READ" }] } },
          GetBucketEncryption: { output: { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } } },
          GetBucketLogging: { output: {} },
        },
      },
      {
        name: "secure-data",
        region: "eu-west-1",
        answers: {
          GetBucketReplication: { output: { ReplicationConfiguration: { Role: `arn:aws:iam::${accountId}:role/replication`, Rules: [{ Status: "Enabled", Destination: { Bucket: "arn:aws:s3:::replica-bucket" } }] } } },
        },
      },
      { name: "logs-bucket", region: "eu-west-1", answers: { GetBucketLogging: { output: {} }, GetBucketEncryption: { error: "AccessDenied" } } },
      { name: "replica-bucket", region: "us-west-2" },
    ],
  };
}
