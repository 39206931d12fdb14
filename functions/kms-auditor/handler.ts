/**
 * KMS key auditor: API Gateway REST proxy handler for POST /health, /audit-key and /key-info.
 * Env: AWS_REGION (set by Lambda), AUDIT_REGIONS (optional: the regions requests may name),
 * SERVICE_VERSION (optional), POWERTOOLS_LOG_LEVEL (optional).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { KMSClient } from "@aws-sdk/client-kms";
import { STSClient } from "@aws-sdk/client-sts";
import { regionalClients } from "../shared/platform/aws-clients";
import { optionalEnv, requiredEnv } from "../shared/platform/env";
import { createHandler } from "../shared/platform/http";
import { kmsAuditorRoutes } from "./api";
import { callerAccount } from "./clients";
import { accountFromFunctionArn } from "./key-ref";
import { MAX_KMS_CLIENTS, parseAuditRegions, regionPolicy } from "./regions";

const region = requiredEnv("AWS_REGION");
const version = optionalEnv("SERVICE_VERSION", "0.0.0-dev");
const logger = new Logger({ serviceName: "kms-auditor" });
const regions = regionPolicy(region, parseAuditRegions(process.env.AUDIT_REGIONS, region));
// Requests name only allowed regions; a replica's primary (from AWS) may be elsewhere, so the cache is bounded, not closed.
const kms = regionalClients((config) => new KMSClient(config), { maxClients: MAX_KMS_CLIENTS });
const stsAccount = callerAccount(() => new STSClient({ region }));

export const handler = createHandler(
  kmsAuditorRoutes({
    region,
    version,
    regions,
    deps: (context) => {
      const fromArn = accountFromFunctionArn(context.invokedFunctionArn);
      return { kms, ownAccountId: fromArn ? () => Promise.resolve(fromArn) : stsAccount, now: () => new Date() };
    },
  }),
  { logger },
);
