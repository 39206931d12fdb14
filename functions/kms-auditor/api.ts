/** The KMS auditor's routes: request schemas and what each route does, over injected dependencies. */
import { auditKeyRequest, healthRequest, KMS_AUDIT_METHOD, KMS_AUDIT_ROUTES, keyInfoRequest, type HealthResponse } from "../shared/contracts/kms-audit-api";
import { route, type LambdaContext, type RequestContext, type Route } from "../shared/platform/http";
import { CHECK_IDS, judgeKey } from "../shared/cspm/kms/audit";
import { fetchKeyFacts, fetchKeyInfo, type KmsDeps } from "../shared/cspm/kms/fetch";
import { parseKeyRef } from "../shared/cspm/kms/key-ref";
import { factsWithoutAwsMessages, keyInfoWithoutAwsMessages, withAwsMessagesLogged, type MessageLog } from "./aws-messages";
import { regionPolicy, type RegionPolicy } from "./regions";

export interface ApiConfig {
  readonly region: string;
  readonly version: string;
  /** KMS and account resolution for one invocation (the account may come from the Lambda context). */
  deps(context: LambdaContext): KmsDeps;
  /** The regions and partition a request may name. @default every region of `region`'s partition that the SDK knows */
  readonly regions?: RegionPolicy;
}

export function kmsAuditorRoutes(config: ApiConfig): Route[] {
  const regions = config.regions ?? regionPolicy(config.region);
  const keyRefOf = (body: { key_id: string; region?: string; account_id?: string }) => {
    const ref = parseKeyRef(body.key_id, { region: body.region, accountId: body.account_id, defaultRegion: config.region });
    // Checked before any client exists, so a caller cannot make the function build one per made-up region.
    regions.check(ref.region, ref.partition !== undefined ? "key_id" : "region", ref.partition);
    return ref;
  };
  // AWS's messages name the auditor's role and account: they go to the log, the answer keeps the codes.
  const logOf = (request: RequestContext<unknown>): MessageLog => (entry) => request.logger.warn("AWS message withheld from the answer", { requestId: request.requestId, ...entry });
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
      handle: async (request) => {
        const { body, context } = request;
        const facts = await fetchKeyFacts(config.deps(context), keyRefOf(body), { trustedAccounts: body.additional_params?.trusted_accounts ?? [] });
        return judgeKey(factsWithoutAwsMessages(facts, logOf(request)));
      },
    }),
    route({
      method: KMS_AUDIT_METHOD,
      path: `/${KMS_AUDIT_ROUTES.keyInfo}`,
      body: keyInfoRequest,
      handle: (request) => {
        const log = logOf(request);
        return withAwsMessagesLogged(async () => keyInfoWithoutAwsMessages(await fetchKeyInfo(config.deps(request.context), keyRefOf(request.body)), log), log, request.requestId);
      },
    }),
  ];
}
