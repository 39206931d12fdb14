import { compliant, defineRule, nonCompliant } from "./rule";
import { blocks } from "./support/stack-model";

export default defineRule({
  id: "rds-proxy-iam-auth-required",
  expects: "Every auth block has iam_auth REQUIRED.",
  why: "With IAM auth disabled, clients connect to the proxy with the database password instead of short-lived tokens.",
  fix: "Set auth { iam_auth = \"REQUIRED\" } on every auth block.",
  level: "error",
  resourceTypes: ["aws_db_proxy"],
  check(proxy) {
    const auth = blocks(proxy.config.auth);
    if (auth.length === 0) return nonCompliant("add an auth block with iam_auth = REQUIRED");
    return auth.every((a) => a.iam_auth === "REQUIRED") ? compliant("IAM auth required") : nonCompliant("set iam_auth = \"REQUIRED\" on every auth block");
  },
});
