/** The KMS auditor's routes: request schemas and what each route does, over injected dependencies. */
import * as z from "zod";
import { route, type LambdaContext, type RequestContext, type Route } from "../shared/platform/http";
import { CHECK_IDS, judgeKey } from "./audit";
import { factsWithoutAwsMessages, keyInfoWithoutAwsMessages, withAwsMessagesLogged, type MessageLog } from "./aws-messages";
import { fetchKeyFacts, fetchKeyInfo, type KmsDeps } from "./fetch";
import { ACCOUNT_ID, parseKeyRef, REGION } from "./key-ref";
import { regionPolicy, type RegionPolicy } from "./regions";

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
      method: "POST",
      path: "/health",
      body: healthBody,
      handle: () => ({ status: "ok", version: config.version, region: config.region, checks: CHECK_IDS }),
    }),
    route({
      method: "POST",
      path: "/audit-key",
      body: auditKeyBody,
      handle: async (request) => {
        const { body, context } = request;
        const facts = await fetchKeyFacts(config.deps(context), keyRefOf(body), { trustedAccounts: body.additional_params?.trusted_accounts ?? [] });
        return judgeKey(factsWithoutAwsMessages(facts, logOf(request)));
      },
    }),
    route({
      method: "POST",
      path: "/key-info",
      body: keyInfoBody,
      handle: (request) => {
        const log = logOf(request);
        return withAwsMessagesLogged(async () => keyInfoWithoutAwsMessages(await fetchKeyInfo(config.deps(request.context), keyRefOf(request.body)), log), log, request.requestId);
      },
    }),
  ];
}
