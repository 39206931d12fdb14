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

const env = parseEnv(kmsAuditorEnv);
const logger = new Logger({ serviceName: KMS_AUDITOR_SERVICE });
const kms = kmsClientCache();
const stsAccount = callerAccount(() => awsClient((config) => new STSClient(config), env.AWS_REGION));

export const handler = createHandler(
  kmsAuditorRoutes({
    region: env.AWS_REGION,
    version: env.SERVICE_VERSION,
    deps: (context) => {
      const fromArn = accountFromFunctionArn(context.invokedFunctionArn);
      return { kms, ownAccountId: fromArn ? () => Promise.resolve(fromArn) : stsAccount, now: () => new Date() };
    },
  }),
  { logger },
);
