/**
 * S3 inventory: fetches, for every bucket in scope, exactly the configuration the checks read, and
 * nothing else. Judging happens in checks/; this module only fetches and classifies answers:
 *
 * - "no configuration" answers (NoSuchBucketPolicy, NoSuchLifecycleConfiguration, ...) are values
 *   (`{ ok: true, value: null }`), not errors;
 * - NoSuchBucket means the bucket vanished mid-scan: it is reported in `deletedBuckets` and skipped;
 * - any other error (AccessDenied, retries exhausted, ...) becomes `{ ok: false, errorCode }` for
 *   that one call, so the checks that needed it say NOT_AVAILABLE and every other check still runs;
 * - throttling and server errors are retried with capped exponential backoff and full jitter.
 *
 * Scope is applied client-side: ListBuckets always lists the whole account (ceil(N/1000) calls), so the
 * inventory knows the region of every bucket of the account (`bucketRegions`), audited or not; checks
 * need it for buckets outside the scope, e.g. a replication destination in another region (S3.7).
 * Only the buckets in scope (`region`/`regions`, `buckets`) are read.
 *
 * `concurrency` bounds the AWS calls in flight at once (not the buckets), because that is what S3
 * throttles and what a Lambda's sockets pay for. Each bucket's calls run in parallel through the
 * same limiter; buckets are started ahead so the limiter never idles.
 */
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  type Grant,
  type LifecycleRule,
  type LoggingEnabled,
  type NotificationConfiguration,
  type PublicAccessBlockConfiguration,
  type ReplicationConfiguration,
  type ServerSideEncryptionRule,
  type ObjectLockConfiguration,
} from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { Fetched } from "../check";
import { PlatformError, awsErrorCode } from "../../platform/errors";
import { createLimiter, mapWithConcurrency } from "../../platform/concurrency";
import type { SendingClient } from "../snapshot";

/** The four Block Public Access flags, as S3 and S3 Control return them. */
export type PublicAccessBlockFlags = PublicAccessBlockConfiguration;

export interface BucketAcl {
  /** Canonical user id of the bucket owner. */
  readonly ownerId?: string;
  readonly grants: readonly Grant[];
}

export interface BucketVersioning {
  /** `Enabled`, `Suspended`, or undefined when versioning was never enabled. */
  readonly status?: string;
  readonly mfaDelete: boolean;
}

export interface BucketNotifications {
  readonly topics: number;
  readonly queues: number;
  readonly lambdaFunctions: number;
  readonly eventBridge: boolean;
}

/** Everything the checks read about one bucket. `null` values mean "S3 says there is no such configuration". */
export interface BucketInventory {
  readonly name: string;
  readonly region: string;
  readonly arn: string;
  readonly creationDate?: string;
  /** The policy document as text. */
  readonly policy: Fetched<string | null>;
  /** S3's own verdict (`GetBucketPolicyStatus.IsPublic`); null when the bucket has no policy (then it is not asked). */
  readonly policyStatus: Fetched<boolean | null>;
  /** null when ACLs are disabled (BucketOwnerEnforced): then they grant nothing and are not read. */
  readonly acl: Fetched<BucketAcl | null>;
  readonly publicAccessBlock: Fetched<PublicAccessBlockFlags | null>;
  readonly encryption: Fetched<readonly ServerSideEncryptionRule[] | null>;
  readonly versioning: Fetched<BucketVersioning>;
  readonly logging: Fetched<LoggingEnabled | null>;
  /** ObjectOwnership: BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter. */
  readonly ownership: Fetched<string | null>;
  readonly objectLock: Fetched<ObjectLockConfiguration | null>;
  readonly lifecycle: Fetched<readonly LifecycleRule[] | null>;
  readonly replication: Fetched<ReplicationConfiguration | null>;
  readonly notifications: Fetched<BucketNotifications>;
}

export interface AccountInventory {
  readonly accountId: string;
  readonly partition: string;
  /** Region of ListBuckets, STS and S3 Control calls; account-level results are reported here. */
  readonly homeRegion: string;
  readonly publicAccessBlock: Fetched<PublicAccessBlockFlags | null>;
}

export interface Inventory {
  readonly account: AccountInventory;
  /** The buckets in scope, with their configuration. */
  readonly buckets: readonly BucketInventory[];
  /**
   * Region of every bucket of the account that ListBuckets returned, by name, in scope or not
   * (a bucket listed without a region is here only once it was located, i.e. when in scope).
   */
  readonly bucketRegions: ReadonlyMap<string, string>;
  readonly deletedBuckets: readonly string[];
  readonly errors: readonly { readonly bucket?: string; readonly code: string; readonly message: string }[];
  readonly apiCalls: number;
}

/** Clients are injected so the CLI, the Lambda, tests and snapshot replay build them their own way. */
export interface InventoryDeps {
  /** Region for ListBuckets, STS and S3 Control. */
  readonly homeRegion: string;
  s3(region: string): SendingClient;
  s3Control(region: string): SendingClient;
  sts(region: string): SendingClient;
}

export interface InventoryOptions {
  /** Only these buckets (exact names). Default: every bucket in the account. */
  readonly buckets?: readonly string[];
  /** Only buckets in this region. */
  readonly region?: string;
  /** Only buckets in these regions (with `region`, the union). One account listing serves them all. */
  readonly regions?: readonly string[];
  /** AWS calls in flight at once. @default 16 */
  readonly concurrency?: number;
  /** Called after each bucket is fetched. */
  onProgress?(done: number, total: number): void;
}

export const DEFAULT_CONCURRENCY = 16;
const LIST_PAGE_SIZE = 1000;

/** Answers that mean "this bucket has no such configuration": values, not errors. */
const ABSENT_CODES = new Set([
  "NoSuchBucketPolicy",
  "NoSuchPublicAccessBlockConfiguration",
  "ServerSideEncryptionConfigurationNotFoundError",
  "NoSuchLifecycleConfiguration",
  "ReplicationConfigurationNotFoundError",
  "ObjectLockConfigurationNotFoundError",
  "OwnershipControlsNotFoundError",
]);

/** The bucket vanished between ListBuckets and this call. */
class BucketDeleted extends Error {}

/**
 * One scan's call plumbing: the limiter (calls in flight), the call counter and the per-region S3
 * clients. Retries are the SDK's own (functions/shared/platform/aws-clients.ts): none stacked here.
 */
class Caller {
  calls = 0;
  private readonly limit: <R>(fn: () => Promise<R>) => Promise<R>;
  private readonly clients = new Map<string, SendingClient>();

  constructor(
    private readonly deps: InventoryDeps,
    concurrency: number,
  ) {
    this.limit = createLimiter(concurrency);
  }

  s3(region: string): SendingClient {
    let client = this.clients.get(region);
    if (!client) {
      client = this.deps.s3(region);
      this.clients.set(region, client);
    }
    return client;
  }

  send<T>(client: SendingClient, command: unknown): Promise<T> {
    return this.limit(async () => {
      this.calls++;
      return (await client.send(command)) as T;
    });
  }

  /** One per-bucket read: absent configuration → null, NoSuchBucket → BucketDeleted, other errors → not ok. */
  async fetch<Out, T>(client: SendingClient, command: unknown, pick: (output: Out) => T): Promise<Fetched<T | null>> {
    try {
      return { ok: true, value: pick(await this.send<Out>(client, command)) };
    } catch (error) {
      const code = awsErrorCode(error);
      if (ABSENT_CODES.has(code)) return { ok: true, value: null };
      if (code === "NoSuchBucket") throw new BucketDeleted(code);
      return { ok: false, errorCode: code, message: (error as Error)?.message };
    }
  }
}

interface ListedBucket {
  readonly name: string;
  readonly region?: string;
  readonly creationDate?: Date;
}

interface ListBucketsOutputLike {
  Buckets?: { Name?: string; BucketRegion?: string; CreationDate?: Date }[];
  ContinuationToken?: string;
}

/** Every bucket of the account. No Prefix/BucketRegion filter: the regions of out-of-scope buckets are needed too. */
async function listBuckets(caller: Caller, client: SendingClient): Promise<ListedBucket[]> {
  const out: ListedBucket[] = [];
  let token: string | undefined;
  do {
    // MaxBuckets makes S3 include BucketRegion in every entry, saving one GetBucketLocation per bucket.
    const page = await caller.send<ListBucketsOutputLike>(client, new ListBucketsCommand({ MaxBuckets: LIST_PAGE_SIZE, ContinuationToken: token }));
    for (const b of page.Buckets ?? []) if (b.Name) out.push({ name: b.Name, region: b.BucketRegion, creationDate: b.CreationDate });
    token = page.ContinuationToken;
  } while (token);
  return out;
}

/** S3 reports us-east-1 as an empty location and eu-west-1 as the legacy `EU`. */
function regionFromLocation(location: string | undefined | null): string {
  if (!location) return "us-east-1";
  if (location === "EU") return "eu-west-1";
  return location;
}

function partitionOf(arn: string | undefined): string {
  const part = arn?.split(":")[1];
  return part && part.length > 0 ? part : "aws";
}

async function fetchBucket(caller: Caller, listed: ListedBucket, region: string, partition: string): Promise<BucketInventory> {
  const s3 = caller.s3(region);
  const Bucket = listed.name;
  // Policy status is only asked when there is a policy, and the ACL only when ACLs are in force:
  // with BucketOwnerEnforced the ACL is owner-only and grants nothing.
  const policy = caller.fetch(s3, new GetBucketPolicyCommand({ Bucket }), (o: { Policy?: string }) => o.Policy ?? null);
  const policyStatus = policy.then((p) =>
    p.ok && p.value === null
      ? ({ ok: true, value: null } as const)
      : caller.fetch(s3, new GetBucketPolicyStatusCommand({ Bucket }), (o: { PolicyStatus?: { IsPublic?: boolean } }) => o.PolicyStatus?.IsPublic === true),
  );
  const ownership = caller.fetch(
    s3,
    new GetBucketOwnershipControlsCommand({ Bucket }),
    (o: { OwnershipControls?: { Rules?: { ObjectOwnership?: string }[] } }) => o.OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? null,
  );
  const acl = ownership.then((own) =>
    own.ok && own.value === "BucketOwnerEnforced"
      ? ({ ok: true, value: null } as const)
      : caller.fetch(s3, new GetBucketAclCommand({ Bucket }), (o: { Owner?: { ID?: string }; Grants?: Grant[] }) => ({
          ownerId: o.Owner?.ID,
          grants: o.Grants ?? [],
        })),
  );
  const publicAccessBlock = caller.fetch(
    s3,
    new GetPublicAccessBlockCommand({ Bucket }),
    (o: { PublicAccessBlockConfiguration?: PublicAccessBlockFlags }) => o.PublicAccessBlockConfiguration ?? null,
  );
  const encryption = caller.fetch(
    s3,
    new GetBucketEncryptionCommand({ Bucket }),
    (o: { ServerSideEncryptionConfiguration?: { Rules?: ServerSideEncryptionRule[] } }) => o.ServerSideEncryptionConfiguration?.Rules ?? null,
  );
  const versioning = caller.fetch(s3, new GetBucketVersioningCommand({ Bucket }), (o: { Status?: string; MFADelete?: string }) => ({
    status: o.Status,
    mfaDelete: o.MFADelete === "Enabled",
  }));
  const logging = caller.fetch(s3, new GetBucketLoggingCommand({ Bucket }), (o: { LoggingEnabled?: LoggingEnabled }) => o.LoggingEnabled ?? null);
  const objectLock = caller.fetch(
    s3,
    new GetObjectLockConfigurationCommand({ Bucket }),
    (o: { ObjectLockConfiguration?: ObjectLockConfiguration }) => o.ObjectLockConfiguration ?? null,
  );
  const lifecycle = caller.fetch(s3, new GetBucketLifecycleConfigurationCommand({ Bucket }), (o: { Rules?: LifecycleRule[] }) => o.Rules ?? null);
  const replication = caller.fetch(
    s3,
    new GetBucketReplicationCommand({ Bucket }),
    (o: { ReplicationConfiguration?: ReplicationConfiguration }) => o.ReplicationConfiguration ?? null,
  );
  const notifications = caller.fetch(s3, new GetBucketNotificationConfigurationCommand({ Bucket }), (o: NotificationConfiguration) => ({
    topics: o.TopicConfigurations?.length ?? 0,
    queues: o.QueueConfigurations?.length ?? 0,
    lambdaFunctions: o.LambdaFunctionConfigurations?.length ?? 0,
    eventBridge: o.EventBridgeConfiguration !== undefined,
  }));

  const all = [policy, policyStatus, ownership, acl, publicAccessBlock, encryption, versioning, logging, objectLock, lifecycle, replication, notifications];
  // allSettled first so a BucketDeleted from one call does not leave the others unobserved.
  const settled = await Promise.allSettled(all);
  const rejected = settled.find((s) => s.status === "rejected");
  if (rejected) throw (rejected as PromiseRejectedResult).reason;

  return {
    name: listed.name,
    region,
    arn: `arn:${partition}:s3:::${listed.name}`,
    creationDate: listed.creationDate?.toISOString(),
    policy: await policy,
    policyStatus: await policyStatus,
    acl: await acl,
    publicAccessBlock: await publicAccessBlock,
    encryption: await encryption,
    versioning: nonNull(await versioning),
    logging: await logging,
    ownership: await ownership,
    objectLock: await objectLock,
    lifecycle: await lifecycle,
    replication: await replication,
    notifications: nonNull(await notifications),
  };
}

/** For calls that never answer "absent": a null would be a bug, so it is reported as missing data. */
function nonNull<T>(f: Fetched<T | null>): Fetched<T> {
  if (!f.ok) return f;
  return f.value === null ? { ok: false, errorCode: "EmptyResponse" } : { ok: true, value: f.value };
}

/** The regions in scope (`region` and `regions` together), or undefined for every region. */
export function scopeRegions(options: Pick<InventoryOptions, "region" | "regions">): ReadonlySet<string> | undefined {
  const regions = [...(options.region ? [options.region] : []), ...(options.regions ?? [])];
  return regions.length > 0 ? new Set(regions) : undefined;
}

/** Fetches the account and every bucket in scope. Throws only when nothing can be audited (STS or ListBuckets fails). */
export async function fetchInventory(deps: InventoryDeps, options: InventoryOptions = {}): Promise<Inventory> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const caller = new Caller(deps, concurrency);
  const home = deps.homeRegion;

  let identity: { Account?: string; Arn?: string };
  try {
    identity = await caller.send(deps.sts(home), new GetCallerIdentityCommand({}));
  } catch (error) {
    throw new PlatformError(awsErrorCode(error), `Cannot identify the AWS account (sts:GetCallerIdentity): ${(error as Error).message}. Check your credentials.`, { cause: error });
  }
  const accountId = identity.Account ?? "";
  const partition = partitionOf(identity.Arn);

  const accountPab = caller
    .fetch(deps.s3Control(home), new GetAccountPublicAccessBlockCommand({ AccountId: accountId }), (o: { PublicAccessBlockConfiguration?: PublicAccessBlockFlags }) => o.PublicAccessBlockConfiguration ?? null)
    .catch((error: unknown) => ({ ok: false, errorCode: awsErrorCode(error), message: (error as Error).message }) as const);

  const homeS3 = caller.s3(home);
  let account: ListedBucket[];
  try {
    account = await listBuckets(caller, homeS3);
  } catch (error) {
    throw new PlatformError(awsErrorCode(error), `Cannot list buckets (s3:ListAllMyBuckets): ${(error as Error).message}`, { cause: error });
  }
  const bucketRegions = new Map<string, string>();
  for (const b of account) if (b.region) bucketRegions.set(b.name, b.region);

  // Scope, client-side. A named bucket missing from the listing is gone; one in another region is
  // out of scope, not deleted. Entries without a region stay candidates until located.
  const regions = scopeRegions(options);
  const inRegion = (region: string | undefined) => !regions || region === undefined || regions.has(region);
  const deletedBuckets: string[] = [];
  let listed: ListedBucket[];
  if (options.buckets && options.buckets.length > 0) {
    const byName = new Map(account.map((b) => [b.name, b] as const));
    listed = [];
    for (const name of new Set(options.buckets)) {
      const found = byName.get(name);
      if (!found) deletedBuckets.push(name);
      else if (inRegion(found.region)) listed.push(found);
    }
  } else {
    listed = account.filter((b) => inRegion(b.region));
  }

  const errors: { bucket?: string; code: string; message: string }[] = [];
  let done = 0;
  // Buckets are started `concurrency` ahead of the call limiter so it always has queued work.
  const results = await mapWithConcurrency(listed, concurrency, async (bucket): Promise<BucketInventory | undefined> => {
      let fetched: BucketInventory | undefined;
      try {
        let region = bucket.region;
        if (!region) {
          const location = await caller.send<{ LocationConstraint?: string }>(homeS3, new GetBucketLocationCommand({ Bucket: bucket.name }));
          region = regionFromLocation(location.LocationConstraint);
          bucketRegions.set(bucket.name, region);
        }
        if (!regions || regions.has(region)) fetched = await fetchBucket(caller, bucket, region, partition);
      } catch (error) {
        if (error instanceof BucketDeleted || awsErrorCode(error) === "NoSuchBucket") deletedBuckets.push(bucket.name);
        else errors.push({ bucket: bucket.name, code: awsErrorCode(error), message: (error as Error)?.message ?? String(error) });
      }
      done++;
      options.onProgress?.(done, listed.length);
      return fetched;
  });

  return {
    account: { accountId, partition, homeRegion: home, publicAccessBlock: await accountPab },
    buckets: results.filter((b): b is BucketInventory => b !== undefined),
    bucketRegions,
    deletedBuckets: deletedBuckets.sort(),
    errors,
    apiCalls: caller.calls,
  };
}
