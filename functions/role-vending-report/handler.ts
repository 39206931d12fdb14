/** The daily active-grant report (EventBridge schedule). Env: roleVendingEnv. */
import { createRuntime } from "../shared/role-vending/runtime";
import { writeReport } from "./report";

const runtime = createRuntime("role-vending-report");

export async function handler(): Promise<{ activeGrants: number; keys: string[] }> {
  const { report, keys } = await writeReport({ ...runtime, bucket: runtime.env.REPORT_BUCKET });
  return { activeGrants: report.activeGrants.length, keys };
}
