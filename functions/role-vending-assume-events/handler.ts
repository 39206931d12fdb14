/** CloudTrail AssumeRole events of vended roles, from EventBridge. Env: roleVendingEnv. */
import { ValidationError } from "../shared/platform/errors";
import { createRuntime, flushMetrics } from "../shared/role-vending/runtime";
import { assumeRoleEvent, handleAssumeRoleEvent } from "./events";

const runtime = createRuntime("role-vending-assume-events");

export async function handler(event: unknown): Promise<string> {
  try {
    const parsed = assumeRoleEvent.safeParse(event);
    if (!parsed.success) throw new ValidationError(`Not a CloudTrail AssumeRole event: ${parsed.error.issues[0]?.message}`);
    return await handleAssumeRoleEvent(runtime, parsed.data);
  } finally {
    flushMetrics(runtime.powertools);
  }
}
