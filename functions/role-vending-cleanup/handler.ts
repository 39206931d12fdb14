/** Role-vending cleanup, run by an EventBridge schedule (every 5 minutes by default). Env: roleVendingEnv. */
import { createRuntime, flushMetrics } from "../shared/role-vending/runtime";
import { runCleanup, type CleanupResult } from "./cleanup";

const runtime = createRuntime("role-vending-cleanup");

export async function handler(): Promise<CleanupResult> {
  try {
    return await runCleanup(runtime);
  } finally {
    flushMetrics(runtime.powertools);
  }
}
