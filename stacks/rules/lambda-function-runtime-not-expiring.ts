import { RUNTIME_DEPRECATION } from "./lambda-function-runtime-supported";
import { compliant, defineRule, nonCompliant, notApplicable } from "./rule";

/** How far ahead a coming deprecation is announced. */
const NOTICE_DAYS = 180;

export default defineRule({
  id: "lambda-function-runtime-not-expiring",
  expects: `A runtime that stays supported for at least ${NOTICE_DAYS} more days.`,
  why: "Moving runtimes takes testing; starting when the runtime is already deprecated leaves functions unpatched.",
  fix: "Plan the move to the next runtime (NodeFunction sets it for every function at once).",
  level: "warning",
  resourceTypes: ["aws_lambda_function"],
  check(fn, stack) {
    const deprecated = RUNTIME_DEPRECATION[String(fn.config.runtime ?? "")];
    if (!deprecated || fn.config.package_type === "Image") return notApplicable("unknown runtime or container image (see lambda-function-runtime-supported)");
    const daysLeft = Math.floor((new Date(deprecated).getTime() - stack.now.getTime()) / 86_400_000);
    if (daysLeft < 0) return notApplicable("already deprecated (lambda-function-runtime-supported fails it)");
    return daysLeft >= NOTICE_DAYS ? compliant(`${daysLeft} days of support left`) : nonCompliant(`${fn.config.runtime} is deprecated on ${deprecated} (${daysLeft} days): move to the next runtime`);
  },
});
