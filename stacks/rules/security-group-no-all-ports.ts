import { compliant, defineRule, nonCompliant } from "./rule";
import { allPorts, rulesOf } from "./support/security-groups";

export default defineRule({
  id: "security-group-no-all-ports",
  expects: "No rule (ingress or egress) for all protocols or the whole port range.",
  why: "All-port rules allow far more than the service needs (lateral movement, exfiltration on any port).",
  fix: "Name the protocol and port (e.g. tcp 5432, tcp 443).",
  level: "error",
  resourceTypes: ["aws_security_group"],
  check(group, stack) {
    const wide = rulesOf(group, stack).filter(allPorts);
    return wide.length ? nonCompliant(`name the protocol and ports in ${wide.map((r) => `${r.where} (${r.direction})`).join(", ")}`) : compliant("every rule names its ports");
  },
});
