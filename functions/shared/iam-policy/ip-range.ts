/**
 * Source-IP ranges as S3 judges them in "The meaning of public" (Amazon S3 User Guide, Blocking
 * public access): a bucket policy that grants access conditioned on `aws:SourceIp` with a very broad
 * range is evaluated as public; "this includes values broader than /8 for IPv4 and /32 for IPv6
 * (excluding RFC1918 private ranges)". So a range restricts the caller only when its prefix length
 * is at least 8 (IPv4) or 32 (IPv6). Every RFC1918 block (10/8, 172.16/12, 192.168/16) is /8 or
 * narrower already, so the exclusion never turns a broader range into a restricting one.
 *
 * Pure (node:net only parses addresses). A value IAM could not read as an address or CIDR never
 * restricts anything here: the engine then treats the condition as not pinning the caller.
 */
import { isIP } from "node:net";

/** The shortest prefix length (the broadest range) S3 still treats as restricting the caller, per address family. */
export const MIN_RESTRICTING_PREFIX: Readonly<Record<4 | 6, number>> = { 4: 8, 6: 32 };

export interface IpRange {
  readonly family: 4 | 6;
  readonly address: string;
  /** The CIDR prefix length; a bare address is /32 (IPv4) or /128 (IPv6). */
  readonly prefixLength: number;
}

/** Parses `203.0.113.0/24`, `2001:db8::/32` or a bare address; undefined when IAM could not read it. */
export function parseIpRange(value: string): IpRange | undefined {
  const text = value.trim();
  const slash = text.indexOf("/");
  const address = slash >= 0 ? text.slice(0, slash) : text;
  const family = isIP(address);
  if (family !== 4 && family !== 6) return undefined;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return { family, address, prefixLength: max };
  const prefix = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return undefined;
  return { family, address, prefixLength: Number(prefix) };
}

/**
 * Whether an `aws:SourceIp` value restricts callers enough for S3 to call the grant non-public:
 * a valid range of prefix /8 or narrower (IPv4) or /32 or narrower (IPv6).
 */
export function ipRangeRestrictsCaller(value: string): boolean {
  const range = parseIpRange(value);
  return range !== undefined && range.prefixLength >= MIN_RESTRICTING_PREFIX[range.family];
}
