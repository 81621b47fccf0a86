// Access control for the loopback GUI. On a shared login node every user can reach
// 127.0.0.1, so the API demands a random token and the server refuses Host headers other
// than its own (DNS rebinding). The token travels in the URL's fragment, which browsers never
// send to a server, and then in an Authorization header from the page's script: never in a
// cookie, because cookies are not scoped by port and any other user's server on 127.0.0.1
// would receive it.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** True when the request carries `Authorization: Bearer <token>`. */
export function hasValidToken(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization;
  return header?.startsWith("Bearer ") === true && same(header.slice(7), token);
}

/** Only Host headers naming this server's own loopback address are served. */
export function isAllowedHost(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}
