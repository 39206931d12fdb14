/**
 * KMS key auditor: API Gateway REST proxy handler for POST /health, /audit-key and /key-info
 * (functions/shared/contracts/kms-audit-api.ts). Environment: kmsAuditorEnv of the same contract.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { STSClient } from "@aws-sdk/client-sts";
import { KMS_AUDITOR_SERVICE, kmsAuditorEnv } from "../shared/contracts/kms-audit-api";
import { awsClient } from "../shared/platform/aws-clients";
import { parseEnv } from "../shared/platform/env";
import { createHandler } from "../shared/platform/http";
import { kmsAuditorRoutes } from "./api";
import { callerAccount } from "../shared/cspm/kms/caller-account";
import { kmsClientCache } from "./clients";
import { accountFromFunctionArn } from "../shared/cspm/kms/key-ref";
import { MAX_KMS_CLIENTS, parseAuditRegions, regionPolicy } from "./regions";

const env = parseEnv(kmsAuditorEnv);
const logger = new Logger({ serviceName: KMS_AUDITOR_SERVICE });
// Requests name only allowed regions; a replica's primary (from AWS) may be elsewhere, so the cache is bounded, not closed.
const kms = kmsClientCache({ maxClients: MAX_KMS_CLIENTS });
const stsAccount = callerAccount(() => awsClient((config) => new STSClient(config), env.AWS_REGION));

export const handler = createHandler(
  kmsAuditorRoutes({
    region: env.AWS_REGION,
    version: env.SERVICE_VERSION,
    regions: regionPolicy(env.AWS_REGION, parseAuditRegions(env.AUDIT_REGIONS, env.AWS_REGION)),
    deps: (context) => {
      const fromArn = accountFromFunctionArn(context.invokedFunctionArn);
      return { kms, ownAccountId: fromArn ? () => Promise.resolve(fromArn) : stsAccount, now: () => new Date() };
    },
  }),
  { logger },
);
