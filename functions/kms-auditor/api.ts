/** The KMS auditor's routes: request schemas and what each route does, over injected dependencies. */
import * as z from "zod";
import { route, type LambdaContext, type Route } from "../shared/platform/http";
import { auditKey, CHECK_IDS } from "./audit";
import { fetchKeyInfo, type KmsDeps } from "./fetch";
import { ACCOUNT_ID, parseKeyRef, REGION } from "./key-ref";

const keyId = z.string().min(1, "must not be empty").max(2048, "is too long");
const region = z.string().regex(REGION, "must be an AWS region name such as eu-west-1");
const accountId = z.string().regex(ACCOUNT_ID, "must be a 12-digit AWS account id");

export const healthBody = z.strictObject({ action: z.literal("health").optional() });

export const auditKeyBody = z.strictObject({
  action: z.literal("audit_key"),
  key_id: keyId,
  account_id: accountId.optional(),
  region: region.optional(),
  additional_params: z
    .strictObject({
      /** Accounts whose access to the key is expected (kms_key_cross_account_access). */
      trusted_accounts: z.array(accountId).max(100).optional(),
    })
    .optional(),
});

export const keyInfoBody = z.strictObject({
  action: z.literal("get_key_info"),
  key_id: keyId,
  account_id: accountId.optional(),
  region: region.optional(),
});

export interface ApiConfig {
  readonly region: string;
  readonly version: string;
  /** KMS and account resolution for one invocation (the account may come from the Lambda context). */
  deps(context: LambdaContext): KmsDeps;
}

export function kmsAuditorRoutes(config: ApiConfig): Route[] {
  const keyRefOf = (body: { key_id: string; region?: string; account_id?: string }) =>
    parseKeyRef(body.key_id, { region: body.region, accountId: body.account_id, defaultRegion: config.region });
  return [
    route({
      method: "POST",
      path: "/health",
      body: healthBody,
      handle: () => ({ status: "ok", version: config.version, region: config.region, checks: CHECK_IDS }),
    }),
    route({
      method: "POST",
      path: "/audit-key",
      body: auditKeyBody,
      handle: ({ body, context }) => auditKey(config.deps(context), keyRefOf(body), { trustedAccounts: body.additional_params?.trusted_accounts ?? [] }),
    }),
    route({
      method: "POST",
      path: "/key-info",
      body: keyInfoBody,
      handle: ({ body, context }) => fetchKeyInfo(config.deps(context), keyRefOf(body)),
    }),
  ];
}
