/**
 * KMS key auditor: API Gateway REST proxy handler for POST /health, /audit-key and /key-info.
 * Env: AWS_REGION (set by Lambda), SERVICE_VERSION (optional), POWERTOOLS_LOG_LEVEL (optional).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { STSClient } from "@aws-sdk/client-sts";
import { optionalEnv, requiredEnv } from "../shared/platform/env";
import { createHandler } from "../shared/platform/http";
import { kmsAuditorRoutes } from "./api";
import { callerAccount, kmsClientCache } from "./clients";
import { accountFromFunctionArn } from "./key-ref";

const region = requiredEnv("AWS_REGION");
const version = optionalEnv("SERVICE_VERSION", "0.0.0-dev");
const logger = new Logger({ serviceName: "kms-auditor" });
const kms = kmsClientCache();
const stsAccount = callerAccount(() => new STSClient({ region }));

export const handler = createHandler(
  kmsAuditorRoutes({
    region,
    version,
    deps: (context) => {
      const fromArn = accountFromFunctionArn(context.invokedFunctionArn);
      return { kms, ownAccountId: fromArn ? () => Promise.resolve(fromArn) : stsAccount, now: () => new Date() };
    },
  }),
  { logger },
);
