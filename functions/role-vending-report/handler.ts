/** The daily active-grant report (EventBridge schedule). Env: roleVendingEnv. */
import { createRuntime, flushMetrics } from "../shared/role-vending/runtime";
import { writeReport } from "./report";

const runtime = createRuntime("role-vending-report");

export async function handler(): Promise<{ activeGrants: number; keys: string[] }> {
  try {
    const { report, keys } = await writeReport({ ...runtime, bucket: runtime.env.REPORT_BUCKET });
    runtime.metrics.count("ActiveGrants", report.activeGrants.length);
    return { activeGrants: report.activeGrants.length, keys };
  } finally {
    flushMetrics(runtime.powertools);
  }
}
