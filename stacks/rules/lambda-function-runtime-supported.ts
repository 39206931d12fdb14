import { compliant, defineRule, nonCompliant, notApplicable } from "./rule";

/** When AWS Lambda deprecates each runtime (no more security patches). https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html */
export const RUNTIME_DEPRECATION: Readonly<Record<string, string>> = {
  "nodejs16.x": "2024-06-12",
  "nodejs18.x": "2025-09-01",
  "nodejs20.x": "2026-04-30",
  "nodejs22.x": "2027-04-30",
  "nodejs24.x": "2028-04-30",
  "python3.8": "2024-10-14",
  "python3.9": "2025-12-15",
  "python3.10": "2026-06-30",
  "python3.11": "2026-06-30",
  "python3.12": "2028-10-31",
  "python3.13": "2029-06-30",
  "java8.al2": "2026-06-30",
  java11: "2026-06-30",
  java17: "2026-06-30",
  java21: "2029-06-30",
  dotnet8: "2026-11-10",
  "ruby3.2": "2026-03-31",
  "ruby3.3": "2027-03-31",
  "ruby3.4": "2028-03-31",
  "provided.al2": "2026-06-30",
  "provided.al2023": "2029-06-30",
  go1_x: "2023-12-31",
};

export default defineRule({
  id: "lambda-function-runtime-supported",
  expects: "A runtime AWS still patches (not past its deprecation date).",
  why: "A deprecated runtime gets no security patches, and AWS eventually blocks updates to the function.",
  fix: "Use NodeFunction (nodejs22.x), or move the function to a supported runtime.",
  level: "error",
  resourceTypes: ["aws_lambda_function"],
  check(fn, stack) {
    if (fn.config.package_type === "Image") return notApplicable("container image: the image brings its runtime");
    const runtime = String(fn.config.runtime ?? "");
    const deprecated = RUNTIME_DEPRECATION[runtime];
    if (!deprecated) return nonCompliant(`runtime ${JSON.stringify(runtime)} is unknown to the rule: use a current runtime (or add it to RUNTIME_DEPRECATION)`);
    return new Date(deprecated) > stack.now ? compliant(`${runtime} is supported until ${deprecated}`) : nonCompliant(`${runtime} was deprecated on ${deprecated}: move to a current runtime such as nodejs22.x`);
  },
});
