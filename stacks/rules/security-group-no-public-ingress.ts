import { compliant, defineRule, nonCompliant } from "./rule";
import { rulesOf } from "./support/security-groups";

const ANYWHERE = ["0.0.0.0/0", "::/0"];

export default defineRule({
  id: "security-group-no-public-ingress",
  expects: "No ingress rule from 0.0.0.0/0 or ::/0.",
  why: "Ingress from anywhere exposes the port to the whole internet.",
  fix: "Allow ingress from the security groups (referenced_security_group_id / source_security_group_id) or CIDRs that need it.",
  level: "error",
  resourceTypes: ["aws_security_group"],
  check(group, stack) {
    const open = rulesOf(group, stack).filter((r) => r.direction === "ingress" && r.cidrs.some((c) => ANYWHERE.includes(c)));
    return open.length ? nonCompliant(`remove ingress from anywhere in ${open.map((r) => r.where).join(", ")}`) : compliant("no ingress from anywhere");
  },
});
