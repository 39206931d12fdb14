/**
 * Role-vending API (REST, IAM authorization): POST/GET /grants, GET/DELETE /grants/{id},
 * POST /grants/{id}/approve and /deny. Env: see roleVendingEnv in the contract.
 */
import { createHandler, type ApiGatewayProxyEvent, type LambdaContext } from "../shared/platform/http";
import { createRuntime, flushMetrics } from "../shared/role-vending/runtime";
import { roleVendingRoutes } from "./api";

const runtime = createRuntime("role-vending-api");
const handle = createHandler(roleVendingRoutes(runtime), { logger: runtime.logger });

export async function handler(event: ApiGatewayProxyEvent, context: LambdaContext) {
  try {
    return await handle(event, context);
  } finally {
    flushMetrics(runtime.powertools);
  }
}
