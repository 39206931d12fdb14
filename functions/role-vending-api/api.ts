/** The role-vending API's routes: each reads the caller and path, counts the rate limit, calls the core. */
import * as z from "zod";
import { describeZodError, route, type ApiGatewayProxyEvent, type Route } from "../shared/platform/http";
import { ValidationError } from "../shared/platform/errors";
import { createGrantRequest, decisionRequest, grantId, listGrantsQuery, ROUTES } from "../shared/contracts/role-vending-api";
import type { VendorDeps } from "../shared/role-vending/deps";
import { approveGrant, callerFrom, denyGrant, getGrant, listGrants, rateLimit, requestGrant, revokeGrant, type Caller } from "./core";

const noBody = z.object({});

function idOf(event: ApiGatewayProxyEvent): string {
  const parsed = grantId.safeParse(event.pathParameters?.id);
  if (!parsed.success) throw new ValidationError(`id: ${parsed.error.issues[0]?.message ?? "is invalid"}.`, "InvalidRequest");
  return parsed.data;
}

/** Who is calling, then one request counted against their per-minute limit. */
async function admit(deps: VendorDeps, event: ApiGatewayProxyEvent): Promise<Caller> {
  const caller = callerFrom(event.requestContext?.identity ?? undefined);
  await rateLimit(deps, caller);
  return caller;
}

export function roleVendingRoutes(deps: VendorDeps): Route[] {
  return [
    route({
      ...ROUTES.createGrant,
      body: createGrantRequest,
      handle: async ({ body, event }) => ({ grant: await requestGrant(deps, await admit(deps, event), body) }),
    }),
    route({
      ...ROUTES.listGrants,
      body: noBody,
      handle: async ({ event }) => {
        const caller = await admit(deps, event);
        const query = listGrantsQuery.safeParse(event.queryStringParameters ?? {});
        if (!query.success) throw new ValidationError(`Invalid query: ${describeZodError(query.error)}.`, "InvalidRequest");
        return { grants: await listGrants(deps, caller, query.data) };
      },
    }),
    route({ ...ROUTES.getGrant, body: noBody, handle: async ({ event }) => ({ grant: await getGrant(deps, await admit(deps, event), idOf(event)) }) }),
    route({
      ...ROUTES.approveGrant,
      body: decisionRequest,
      handle: async ({ body, event }) => ({ grant: await approveGrant(deps, await admit(deps, event), idOf(event), body.reason) }),
    }),
    route({
      ...ROUTES.denyGrant,
      body: decisionRequest,
      handle: async ({ body, event }) => ({ grant: await denyGrant(deps, await admit(deps, event), idOf(event), body.reason) }),
    }),
    route({ ...ROUTES.revokeGrant, body: noBody, handle: async ({ event }) => ({ grant: await revokeGrant(deps, await admit(deps, event), idOf(event)) }) }),
  ];
}
