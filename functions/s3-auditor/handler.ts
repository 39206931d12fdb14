/**
 * The S3 auditor Lambda: parse the trigger, run the findings pipeline with real clients, log the
 * summary and its metrics. Clients, limiters and the MongoDB client live for the container.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { KMSClient, paginateListAliases } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { optionalEnv, requiredEnv } from "../shared/platform/env";
import { ConfigurationError } from "../shared/platform/errors";
import { FindingsStore, containerClient } from "../shared/findings-store";
import { TokenBucket } from "../shared/security-hub";
import { auditInventory, type AuditDeps } from "./audit";
import { s3CheckMetadata } from "./checks/index";
import { parseTrigger } from "./events";
import { METRICS_FUNCTION } from "./metrics";
import { fetchInventory } from "./inventory";
import { KmsAuditApiClient } from "./kms-api-client";
import { emfMetrics, runPipeline, type AuditOutput, type AuditScope } from "./pipeline";

export interface HandlerConfig {
  readonly region: string;
  readonly auditRegions: readonly string[];
  readonly concurrency: number;
  readonly kmsAuditApiUrl: string;
  readonly kmsAuditApiRegion: string;
  readonly mongoSecretArn: string;
  readonly mongoDatabase: string;
  readonly securityHubRegion: string;
  readonly refreshAfterDays: number;
  readonly opa?: { readonly url: string; readonly path: string };
}

function positiveInt(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ConfigurationError(`Environment variable ${name} must be an integer from 1 to ${max}; it is ${JSON.stringify(value)}.`);
  return n;
}

/** Every environment variable the function reads, validated once at cold start. */
export function loadHandlerConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  const region = requiredEnv("AWS_REGION", env);
  const kmsAuditApiUrl = requiredEnv("KMS_AUDIT_API_URL", env);
  let apiHost: string;
  try {
    apiHost = new URL(kmsAuditApiUrl).hostname;
  } catch {
    throw new ConfigurationError(`Environment variable KMS_AUDIT_API_URL is not a URL: ${JSON.stringify(kmsAuditApiUrl)}.`);
  }
  const auditRegions = requiredEnv("AUDIT_REGIONS", env).split(",").map((r) => r.trim()).filter(Boolean);
  if (auditRegions.length === 0 || auditRegions.some((r) => !/^[a-z]{2}(-[a-z]+)+-\d$/.test(r))) {
    throw new ConfigurationError(`Environment variable AUDIT_REGIONS must be comma-separated AWS regions such as eu-west-1,us-east-1; it is ${JSON.stringify(env.AUDIT_REGIONS)}.`);
  }
  const opaUrl = optionalEnv("OPA_URL", "", env);
  return {
    region,
    auditRegions,
    concurrency: positiveInt("AUDIT_CONCURRENCY", optionalEnv("AUDIT_CONCURRENCY", "16", env), 64),
    kmsAuditApiUrl,
    kmsAuditApiRegion: /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(apiHost)?.[1] ?? region,
    mongoSecretArn: requiredEnv("MONGODB_SECRET_ARN", env),
    mongoDatabase: optionalEnv("MONGODB_DATABASE", "cspm", env),
    securityHubRegion: optionalEnv("SECURITY_HUB_REGION", region, env),
    refreshAfterDays: positiveInt("FINDINGS_REFRESH_DAYS", optionalEnv("FINDINGS_REFRESH_DAYS", "7", env), 89),
    ...(opaUrl ? { opa: { url: opaUrl, path: optionalEnv("OPA_POLICY_PATH", "cspm/s3/deny", env) } } : {}),
  };
}

const config = loadHandlerConfig();
const logger = new Logger({ serviceName: METRICS_FUNCTION });
const credentials = fromNodeProviderChain();

function perRegion<C>(make: (region: string) => C): (region: string) => C {
  const clients = new Map<string, C>();
  return (region) => clients.get(region) ?? clients.set(region, make(region)).get(region)!;
}

const auditDeps: AuditDeps = {
  homeRegion: config.region,
  s3: perRegion((region) => new S3Client({ region })),
  s3Control: perRegion((region) => new S3ControlClient({ region })),
  sts: perRegion((region) => new STSClient({ region })),
};
const kms = perRegion((region) => new KMSClient({ region }));
const securityHub = new SecurityHubClient({ region: config.securityHubRegion });
// The account's request rates are shared by every invocation of this container.
const importLimiter = new TokenBucket(10, 30);
const getFindingsLimiter = new TokenBucket(3, 6);
const store = new FindingsStore(containerClient({ secretArn: config.mongoSecretArn, secrets: new SecretsManagerClient({ region: config.region }) }), config.mongoDatabase);

async function audit(scope: AuditScope): Promise<AuditOutput> {
  // One inventory for every region in scope: ListBuckets lists the account once (not once per region),
  // and the checks see the region of every bucket of the account (S3.7's replication destinations).
  const target = scope.buckets?.length ? { buckets: scope.buckets } : { regions: scope.regions ?? config.auditRegions };
  const options = { ...target, concurrency: config.concurrency };
  // auditBuckets' two steps, so OPA can have the fetched configuration too.
  const started = new Date();
  const inventory = await fetchInventory(auditDeps, options);
  const report = auditInventory(inventory, options, started, new Date());
  return config.opa ? { report, configurations: new Map(inventory.buckets.map((b) => [b.name, b] as const)) } : { report };
}

/** Alias ARN -> key ARN from ListAliases, one listing per region per run. */
function aliasResolver(): (aliasArn: string) => Promise<string | undefined> {
  const listings = new Map<string, Promise<Map<string, string>>>();
  return async (aliasArn) => {
    const [, partition, , region, account] = aliasArn.split(":");
    if (!region) return undefined;
    let listing = listings.get(region);
    if (!listing) {
      listing = (async () => {
        const map = new Map<string, string>();
        for await (const page of paginateListAliases({ client: kms(region) }, {})) {
          for (const alias of page.Aliases ?? []) if (alias.AliasArn && alias.TargetKeyId) map.set(alias.AliasArn, `arn:${partition}:kms:${region}:${account}:key/${alias.TargetKeyId}`);
        }
        return map;
      })();
      listings.set(region, listing);
    }
    return (await listing).get(aliasArn);
  };
}

export async function handler(event: unknown): Promise<unknown> {
  const scope = parseTrigger(event, { regions: config.auditRegions });
  const kmsApi = new KmsAuditApiClient({ endpoint: config.kmsAuditApiUrl, region: config.kmsAuditApiRegion, credentials });
  const summary = await runPipeline(scope, {
    audit,
    auditKey: (ref) => kmsApi.auditKey(ref),
    resolveAlias: aliasResolver(),
    metadata: s3CheckMetadata,
    securityHub,
    securityHubRegion: config.securityHubRegion,
    securityHubLimiter: importLimiter,
    getFindingsLimiter,
    store,
    ...(config.opa ? { opa: config.opa } : {}),
    refreshAfterDays: config.refreshAfterDays,
    logger,
  });
  // Embedded metric format: CloudWatch turns this log line into the metrics the alarms watch.
  process.stdout.write(JSON.stringify(emfMetrics(summary, METRICS_FUNCTION)) + "\n");
  return { runId: summary.runId, status: summary.status, counts: summary.counts, errors: summary.errors.slice(0, 20) };
}
