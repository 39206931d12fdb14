/** The KMS auditor's routes: request schemas and what each route does, over injected dependencies. */
import { auditKeyRequest, healthRequest, KMS_AUDIT_METHOD, KMS_AUDIT_ROUTES, keyInfoRequest, type HealthResponse } from "../shared/contracts/kms-audit-api";
import { route, type LambdaContext, type Route } from "../shared/platform/http";
import { auditKey, CHECK_IDS } from "../shared/cspm/kms/audit";
import { fetchKeyInfo, type KmsDeps } from "../shared/cspm/kms/fetch";
import { parseKeyRef } from "../shared/cspm/kms/key-ref";

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
      method: KMS_AUDIT_METHOD,
      path: `/${KMS_AUDIT_ROUTES.health}`,
      body: healthRequest,
      handle: (): HealthResponse => ({ status: "ok", version: config.version, region: config.region, checks: [...CHECK_IDS] }),
    }),
    route({
      method: KMS_AUDIT_METHOD,
      path: `/${KMS_AUDIT_ROUTES.auditKey}`,
      body: auditKeyRequest,
      handle: ({ body, context }) => auditKey(config.deps(context), keyRefOf(body), { trustedAccounts: body.additional_params?.trusted_accounts ?? [] }),
    }),
    route({
      method: KMS_AUDIT_METHOD,
      path: `/${KMS_AUDIT_ROUTES.keyInfo}`,
      body: keyInfoRequest,
      handle: ({ body, context }) => fetchKeyInfo(config.deps(context), keyRefOf(body)),
    }),
  ];
}
