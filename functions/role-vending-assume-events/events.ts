/**
 * CloudTrail AssumeRole events for vended roles (via EventBridge; AssumeRole is a read-only
 * management event, so the rule opts in to those): failed assumptions are counted and audited,
 * successful ones are audited with their session length, break-glass uses alarm.
 */
import * as z from "zod";
import { METRICS } from "../shared/contracts/role-vending-api";
import { audit, type VendorDeps } from "../shared/role-vending/deps";

export const assumeRoleEvent = z.object({
  "detail-type": z.string().optional(),
  detail: z.object({
    eventSource: z.string(),
    eventName: z.string(),
    eventTime: z.string().optional(),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    sourceIPAddress: z.string().optional(),
    userIdentity: z.object({ arn: z.string().optional() }).loose().optional(),
    requestParameters: z
      .object({ roleArn: z.string().optional(), roleSessionName: z.string().optional(), durationSeconds: z.number().optional(), sourceIdentity: z.string().optional() })
      .loose()
      .nullable()
      .optional(),
  }),
});
export type AssumeRoleEvent = z.infer<typeof assumeRoleEvent>;

export type EventDeps = Pick<VendorDeps, "config" | "store" | "metrics" | "logger" | "now">;

/** The grant id of a vended role ARN (`.../role/role-vending/<prefix>/<prefix>-g-...`). */
export function grantIdOfRole(roleArn: string | undefined, namePrefix: string): string | undefined {
  const name = roleArn?.split("/").pop();
  if (!name?.startsWith(`${namePrefix}-`)) return undefined;
  const id = name.slice(namePrefix.length + 1);
  return /^g-[0-9a-f]{20}$/.test(id) ? id : undefined;
}

export async function handleAssumeRoleEvent(deps: EventDeps, event: AssumeRoleEvent): Promise<"failed" | "assumed" | "ignored"> {
  const d = event.detail;
  if (d.eventName !== "AssumeRole") return "ignored";
  const grantId = grantIdOfRole(d.requestParameters?.roleArn, deps.config.NAME_PREFIX);
  if (!grantId) return "ignored";
  const grant = await deps.store.get(grantId);
  const who = d.userIdentity?.arn ?? "unknown";
  if (d.errorCode) {
    deps.metrics.count(METRICS.failedAssumptions, 1);
    deps.logger.warn("failed assumption of a vended role", { grantId, caller: who, errorCode: d.errorCode, sourceIp: d.sourceIPAddress });
    if (grant) await audit(deps, grantId, "assume-failed", who, { errorCode: d.errorCode, errorMessage: d.errorMessage, sourceIp: d.sourceIPAddress });
    return "failed";
  }
  const seconds = d.requestParameters?.durationSeconds ?? 3600;
  deps.metrics.seconds(METRICS.sessionSeconds, seconds, grant ? { tier: grant.tier } : undefined);
  if (grant?.tier === "break-glass") {
    deps.metrics.count(METRICS.breakGlassUses);
    deps.logger.warn("break-glass role used", { grantId, caller: who, sourceIp: d.sourceIPAddress });
  }
  if (grant) await audit(deps, grantId, "assumed", who, { sessionSeconds: seconds, sourceIdentity: d.requestParameters?.sourceIdentity, sourceIp: d.sourceIPAddress });
  return "assumed";
}
