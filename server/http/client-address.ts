// The client's address: the TCP peer, or, only when that peer is a trusted proxy
// (RUNWATCH_TRUSTED_PROXIES), the nearest untrusted address of X-Forwarded-For. Used for the
// sign-in limit per address and for the audit log, so a client cannot pick its own address.
//
// Next.js does not hand route handlers the socket, so a hook on the HTTP server (installed from
// instrumentation.ts) stamps every request with its peer, signed by a token only this process
// knows; a client that sends the header itself cannot forge it.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { isIP, type BlockList } from "node:net";
import { config } from "../config";
import { normalizeAddress, parseTrustedProxies } from "../net/addresses";

export const PEER_HEADER = "x-runwatch-peer";
/** The computed client address, handed to better-auth (its ipAddressHeaders) */
export const CLIENT_ADDRESS_HEADER = "x-runwatch-client-address";

const globalForPeer = globalThis as unknown as { runwatchPeerToken?: string; runwatchPeerHook?: boolean };
const token = () => (globalForPeer.runwatchPeerToken ??= randomBytes(16).toString("hex"));

function isTrusted(address: string, trusted: BlockList): boolean {
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 6 ? "ipv6" : "ipv4");
}

/**
 * The client's address from the peer and X-Forwarded-For, walking from the right (the entry the
 * nearest proxy appended) past trusted proxies. With no trusted peer, the header is ignored.
 */
export function clientAddress(peer: string | null, forwardedFor: string | null, trusted: BlockList): string | null {
  if (!peer) return null;
  let current = normalizeAddress(peer);
  const hops = (forwardedFor ?? "").split(",").map(normalizeAddress).filter(Boolean);
  while (isTrusted(current, trusted) && hops.length) {
    const next = hops.pop()!;
    if (!isIP(next)) break;
    current = next;
  }
  return current;
}

/** The header value the server hook sets: "<token> <address>". Tests use it to play the hook. */
export function peerHeaderValue(address: string): string {
  return `${token()} ${address}`;
}

/** The TCP peer the hook recorded, or null when the hook did not run (or the header is forged). */
export function peerAddress(headers: Headers): string | null {
  const value = headers.get(PEER_HEADER);
  if (!value) return null;
  const [t, address] = value.split(" ");
  return t === token() && address ? address : null;
}

/** Stamps every request this process serves with its TCP peer (see the module comment). */
export function installPeerHook(): void {
  if (globalForPeer.runwatchPeerHook) return;
  globalForPeer.runwatchPeerHook = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string, ...args: unknown[]) {
    if (event === "request") {
      const req = args[0] as http.IncomingMessage;
      delete req.headers[CLIENT_ADDRESS_HEADER];
      const peer = req.socket?.remoteAddress;
      if (peer) req.headers[PEER_HEADER] = peerHeaderValue(peer);
      else delete req.headers[PEER_HEADER];
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}

let trustedCache: { raw: string | undefined; list: BlockList } | undefined;

function trustedProxies(): BlockList {
  const raw = config().RUNWATCH_TRUSTED_PROXIES;
  if (!trustedCache || trustedCache.raw !== raw) trustedCache = { raw, list: parseTrustedProxies(raw) };
  return trustedCache.list;
}

/** The address of the client that sent this request, as far as we can trust it (null: unknown). */
export function requestAddress(headers: Headers): string | null {
  return clientAddress(peerAddress(headers), headers.get("x-forwarded-for"), trustedProxies());
}
