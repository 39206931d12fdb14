import { compliant, defineRule, nonCompliant } from "./rule";
import { isTrue } from "./support/stack-model";

export default defineRule({
  id: "rds-proxy-tls-required",
  expects: "require_tls true.",
  why: "Otherwise clients may talk to the proxy in plain text.",
  fix: "Set require_tls = true.",
  level: "error",
  resourceTypes: ["aws_db_proxy"],
  check(proxy) {
    return isTrue(proxy.config.require_tls) ? compliant("TLS required") : nonCompliant("set require_tls = true");
  },
});
