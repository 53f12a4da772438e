// Client addresses (server/http/client-address.ts): X-Forwarded-For counts only behind a trusted proxy.
import { describe, expect, it } from "vitest";
import { clientAddress, peerAddress, peerHeaderValue, PEER_HEADER } from "../../server/http/client-address";
import { parseTrustedProxies } from "../../server/net/addresses";

describe("clientAddress", () => {
  const none = parseTrustedProxies(undefined);
  const proxies = parseTrustedProxies("10.0.0.0/8, 192.168.1.7, ::1");

  it("uses the peer and ignores the header when no proxy is trusted", () => {
    expect(clientAddress("198.51.100.9", "1.2.3.4", none)).toBe("198.51.100.9");
    expect(clientAddress("::ffff:198.51.100.9", "1.2.3.4", none)).toBe("198.51.100.9");
  });
  it("walks from the right past trusted proxies only", () => {
    expect(clientAddress("10.1.1.1", "1.2.3.4, 203.0.113.5, 10.2.2.2", proxies)).toBe("203.0.113.5");
    expect(clientAddress("::1", "203.0.113.5", proxies)).toBe("203.0.113.5");
    expect(clientAddress("192.168.1.7", "", proxies)).toBe("192.168.1.7");
    expect(clientAddress("192.168.1.8", "203.0.113.5", proxies)).toBe("192.168.1.8");
    expect(clientAddress("10.1.1.1", "not-an-ip", proxies)).toBe("10.1.1.1");
  });
  it("is null without a known peer", () => {
    expect(clientAddress(null, "1.2.3.4", proxies)).toBeNull();
  });
  it("refuses entries that are not addresses or CIDRs, naming them", () => {
    expect(() => parseTrustedProxies("10.0.0.0/33")).toThrow(/"10.0.0.0\/33"/);
    expect(() => parseTrustedProxies("proxy.internal")).toThrow(/proxy.internal/);
    expect(() => parseTrustedProxies("10.0.0.0/8/1")).toThrow();
  });
  it("trusts only a peer header this process signed", () => {
    expect(peerAddress(new Headers({ [PEER_HEADER]: peerHeaderValue("203.0.113.1") }))).toBe("203.0.113.1");
    expect(peerAddress(new Headers({ [PEER_HEADER]: "forged 203.0.113.1" }))).toBeNull();
  });
});
