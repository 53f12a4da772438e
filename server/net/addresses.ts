// Address parsing with no dependencies, so the configuration schema can validate
// RUNWATCH_TRUSTED_PROXIES without importing the HTTP layer (which reads the configuration).
import { BlockList, isIP } from "node:net";

/** "::ffff:10.0.0.1" → "10.0.0.1", so a v4 CIDR matches a v4 peer on a dual-stack socket. */
export function normalizeAddress(address: string): string {
  const a = address.trim().replace(/^\[|\]$/g, "");
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a) ? a.slice(7) : a;
}

/**
 * Parses RUNWATCH_TRUSTED_PROXIES: comma-separated CIDRs or addresses ("10.0.0.0/8, ::1").
 * Throws with the offending entry, which the configuration schema turns into its message.
 */
export function parseTrustedProxies(raw: string | undefined): BlockList {
  const list = new BlockList();
  for (const entry of (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [addr, bits, extra] = entry.split("/");
    const address = normalizeAddress(addr ?? "");
    const family = isIP(address);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (!family || extra !== undefined || !/^\d+$/.test(String(prefix)) || prefix > (family === 6 ? 128 : 32)) {
      throw new Error(`"${entry}" is not an address or CIDR; write e.g. 10.0.0.0/8,192.168.1.7,::1`);
    }
    list.addSubnet(address, prefix, family === 6 ? "ipv6" : "ipv4");
  }
  return list;
}
