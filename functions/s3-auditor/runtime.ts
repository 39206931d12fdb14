/**
 * The S3 auditor's container: its configuration (the contract's env schema, parsed once) and the
 * clients, limiters and MongoDB client that live as long as the Lambda container. `run(scope)`
 * runs one audit through the findings pipeline with them.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import { KMSClient, paginateListAliases, paginateListKeys } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { s3AuditorEnv } from "../shared/contracts/s3-auditor";
import { awsClient, regionalClients } from "../shared/platform/aws-clients";
import { parseEnv } from "../shared/platform/env";
import { FindingsStore, containerClient } from "../shared/cspm/findings-store";
import { TokenBucket } from "../shared/cspm/security-hub";
import { auditInventory, type AuditDeps } from "../shared/cspm/s3/audit";
import { s3CheckMetadata } from "../shared/cspm/s3/checks/index";
import { fetchInventory } from "../shared/cspm/s3/inventory";
import { KmsAuditApiClient } from "./kms-api-client";
import { runAudit } from "./pipeline/run";
import type { AuditOutput, AuditScope, RunSummary } from "./pipeline/types";

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

/** Every environment variable the function reads (functions/shared/contracts/s3-auditor.ts), validated once. */
export function loadHandlerConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  const e = parseEnv(s3AuditorEnv, env);
  return {
    region: e.AWS_REGION,
    auditRegions: e.AUDIT_REGIONS,
    concurrency: e.AUDIT_CONCURRENCY,
    kmsAuditApiUrl: e.KMS_AUDIT_API_URL,
    // The API's region signs the request: the execute-api host names it; a local URL uses ours.
    kmsAuditApiRegion: /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(e.KMS_AUDIT_API_URL).hostname)?.[1] ?? e.AWS_REGION,
    mongoSecretArn: e.MONGODB_SECRET_ARN,
    mongoDatabase: e.MONGODB_DATABASE,
    securityHubRegion: e.SECURITY_HUB_REGION || e.AWS_REGION,
    refreshAfterDays: e.FINDINGS_REFRESH_DAYS,
    ...(e.OPA_URL ? { opa: { url: e.OPA_URL, path: e.OPA_POLICY_PATH } } : {}),
  };
}

/** Alias ARN -> key ARN from ListAliases, one listing per region per run. */
function aliasResolver(kms: (region: string) => KMSClient): (aliasArn: string) => Promise<string | undefined> {
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

/** Every key ARN of the client's region (ListKeys, all pages). */
async function listKeys(client: KMSClient): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListKeys({ client }, {})) for (const key of page.Keys ?? []) if (key.KeyArn) arns.push(key.KeyArn);
  return arns;
}

export interface Runtime {
  run(scope: AuditScope): Promise<RunSummary>;
}

/** Builds the container's clients once; every run shares them (and the account's request rates). */
export function createRuntime(config: HandlerConfig, logger: Logger): Runtime {
  const credentials = fromNodeProviderChain();
  const auditDeps: AuditDeps = {
    homeRegion: config.region,
    s3: regionalClients((c) => new S3Client(c)),
    s3Control: regionalClients((c) => new S3ControlClient(c)),
    sts: regionalClients((c) => new STSClient(c)),
  };
  const kms = regionalClients((c) => new KMSClient(c));
  const securityHub = awsClient((c) => new SecurityHubClient(c), config.securityHubRegion);
  const importLimiter = new TokenBucket(10, 30);
  const getFindingsLimiter = new TokenBucket(3, 6);
  const secrets = awsClient((c) => new SecretsManagerClient(c), config.region);
  const store = new FindingsStore(containerClient({ secretArn: config.mongoSecretArn, secrets }), config.mongoDatabase);

  async function audit(scope: AuditScope): Promise<AuditOutput> {
    // One inventory for every region in scope: ListBuckets lists the account once (not once per region),
    // and the checks see the region of every bucket of the account (S3.7's replication destinations).
    const target = scope.buckets?.length ? { buckets: scope.buckets } : { regions: scope.regions ?? config.auditRegions };
    const options = { ...target, concurrency: config.concurrency };
    const started = new Date();
    const inventory = await fetchInventory(auditDeps, options);
    const report = auditInventory(inventory, options, started, new Date());
    return config.opa ? { report, configurations: new Map(inventory.buckets.map((b) => [b.name, b] as const)) } : { report };
  }

  return {
    run(scope) {
      // One client per run: it asks the API once per distinct key.
      const kmsApi = new KmsAuditApiClient({ endpoint: config.kmsAuditApiUrl, region: config.kmsAuditApiRegion, credentials });
      return runAudit(scope, {
        audit,
        auditKey: (ref) => kmsApi.auditKey(ref),
        resolveAlias: aliasResolver(kms),
        listKeys: (region) => listKeys(kms(region)),
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
    },
  };
}
