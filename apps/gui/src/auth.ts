// Access control for the loopback GUI. On a shared login node every user can reach
// 127.0.0.1, so the server demands a random token (given once in the URL, then kept in an
// HttpOnly cookie) and refuses Host headers other than its own to stop DNS rebinding.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const COOKIE = "runyard_gui_token";

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function cookieToken(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === COOKIE) return value.join("=");
  }
  return undefined;
}

export function hasValidToken(
  request: IncomingMessage,
  token: string,
  queryToken: string | null,
): boolean {
  const presented = queryToken ?? cookieToken(request) ?? bearer(request);
  return presented !== undefined && same(presented, token);
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice(7) : undefined;
}

/** Only Host headers naming this server's own loopback address are served. */
export function isAllowedHost(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}
