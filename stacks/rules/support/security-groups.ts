/** A security group's rules, wherever they are written: inline blocks, aws_security_group_rule, aws_vpc_security_group_*_rule. */
import { blocks, type StackModel, type TfResource } from "./stack-model";

export interface SgRule {
  readonly direction: "ingress" | "egress";
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidrs: readonly string[];
  readonly where: string;
}

export function rulesOf(group: TfResource, stack: StackModel): SgRule[] {
  const out: SgRule[] = [];
  const add = (direction: SgRule["direction"], r: Record<string, any>, where: string) =>
    out.push({
      direction,
      protocol: String(r.protocol ?? r.ip_protocol ?? "-1"),
      fromPort: Number(r.from_port ?? 0),
      toPort: Number(r.to_port ?? 0),
      cidrs: [...((r.cidr_blocks as string[]) ?? []), ...((r.ipv6_cidr_blocks as string[]) ?? []), ...(r.cidr_ipv4 ? [r.cidr_ipv4] : []), ...(r.cidr_ipv6 ? [r.cidr_ipv6] : [])],
      where,
    });
  for (const r of blocks(group.config.ingress)) add("ingress", r, `${group.path} inline ingress`);
  for (const r of blocks(group.config.egress)) add("egress", r, `${group.path} inline egress`);
  for (const r of stack.referrers(group, "aws_security_group_rule", "security_group_id")) add(r.config.type === "egress" ? "egress" : "ingress", r.config, r.path);
  for (const r of stack.referrers(group, "aws_vpc_security_group_ingress_rule", "security_group_id")) add("ingress", r.config, r.path);
  for (const r of stack.referrers(group, "aws_vpc_security_group_egress_rule", "security_group_id")) add("egress", r.config, r.path);
  return out;
}

export const allPorts = (r: SgRule) => r.protocol === "-1" || r.protocol.toLowerCase() === "all" || (r.fromPort <= 1 && r.toPort >= 65535);
