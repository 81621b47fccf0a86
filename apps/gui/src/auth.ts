// Access control for the GUI server. On a shared login node every user can reach 127.0.0.1,
// so the API demands a random token, and the server answers only to Host headers naming a
// loopback address (DNS rebinding) — on any port, because an ssh port forward
// (`ssh -L 9000:localhost:8765`) makes the browser say `localhost:9000`. The token travels in
// the URL's fragment, which browsers never send to a server, and then in an Authorization
// header from the page's script: never in a cookie, because cookies are not scoped by port and
// any other user's server on 127.0.0.1 would receive it. Requests that change something, and
// the live channel, also check Origin: a browser names the page that sent them there.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** True when the header is `Bearer <token>`. */
export function hasValidToken(header: string | undefined, token: string): boolean {
  return header?.startsWith("Bearer ") === true && same(header.slice(7), token);
}

/** Whether an address (an IP literal, without brackets) is a loopback address. */
export function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith("127.");
  if (isIP(address) === 6) return address === "::1" || address === "0:0:0:0:0:0:0:1";
  return false;
}

/**
 * The host name of a Host header (`localhost:9000` → `localhost`, `[::1]:9000` → `::1`),
 * lower-cased; undefined when it is not shaped like one (a path, a user, a bad port).
 */
export function hostNameOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+)(?::(\d{1,5}))?$/.exec(header);
  if (match === null) return undefined;
  const [, name = "", port] = match;
  if (port !== undefined && Number(port) > 65535) return undefined;
  return (name.startsWith("[") ? name.slice(1, -1) : name).toLowerCase();
}

/** The names the server answers to besides loopback ones (`--listen` adds its address). */
export type ExtraHosts = ReadonlySet<string>;

/**
 * Whether a Host header names this server: a loopback name on any port (localhost,
 * 127.x.x.x, [::1]), or one of `extra` (the address given to `--listen`).
 */
export function isAllowedHost(header: string | undefined, extra: ExtraHosts): boolean {
  const name = hostNameOf(header);
  if (name === undefined) return false;
  return name === "localhost" || isLoopbackAddress(name) || extra.has(name);
}

/**
 * Whether an Origin header may send a request that changes something, or open the live
 * channel: absent (a client that is not a browser; it still needs the token), or exactly the
 * origin of the Host the request was sent to (the page this server served). `null` (a
 * sandboxed frame, a file: page) and every other origin are refused.
 */
export function isAllowedOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (host === undefined) return false;
  return origin.toLowerCase() === `http://${host.toLowerCase()}`;
}
