// API key format and hashing. A key reads `rw_` + 40 URL-safe characters so secret scanners can
// recognize it; only its SHA-256 is stored (the key has 240 bits of entropy, so a slow hash
// would add latency to every request without adding safety).
import { createHash, randomBytes } from "node:crypto";

export const API_KEY_PATTERN = /^rw_[A-Za-z0-9_-]{32,}$/;

export function generateApiKey(): string {
  return `rw_${randomBytes(30).toString("base64url")}`;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** What lists show in place of the key: enough to tell keys apart, useless to an attacker. */
export function displayPrefix(key: string): string {
  return key.slice(0, 10);
}
