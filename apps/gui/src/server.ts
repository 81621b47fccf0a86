// The GUI's HTTP server: node:http running the Hono app (app.ts). Loopback by default; another
// address only when the caller asks for it (`runyard gui --listen ADDR`, which warns). Closing
// it ends every connection, live channels included, and never touches a run: a run is its
// executor's, and the server is only one more reader of it.
import { createServer } from "node:http";
import { type AddressInfo, isIP } from "node:net";
import { hostname } from "node:os";
import { getRequestListener } from "@hono/node-server";
import { shortHostname } from "@runyard/store";
import { errorBody } from "./api-error.js";
import { createApp, refuseHost, SECURITY_HEADERS } from "./app.js";
import { isAllowedHost, isLoopbackAddress, newToken } from "./auth.js";
import { loadClientAssets } from "./client-assets.js";

export interface GuiServerOptions {
  runsRoot: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * Address to bind: 127.0.0.1 by default. A non-loopback address exposes the server to the
   * network (the token still guards it): only with `allowNonLoopback`.
   */
  host?: string;
  /** Must be true to bind an address that is not loopback. */
  allowNonLoopback?: boolean;
  /** Fixed access token (tests); a fresh random one by default. */
  token?: string;
  /** How often the live channel reads the files of a run it cannot follow by socket (1 s). */
  livePollMs?: number;
  /** After how long without a line the live channel sends a ping (15 s). */
  livePingMs?: number;
  /** The `runyard` launcher's directory, for the steps of the runs it starts (the CLI's). */
  binDirectory?: string;
  /** The environment (RUNYARD_HOSTNAME names this host, as for the executor). */
  env?: NodeJS.ProcessEnv;
  /** The built browser client (Vite's output); apps/gui/dist/client by default. */
  clientDirectory?: string;
}

export interface GuiServer {
  /** The URL to open; the token rides in its fragment, which is never sent to a server. */
  url: string;
  port: number;
  /** The address bound. */
  host: string;
  /** Whether that address is a loopback one. */
  loopback: boolean;
  token: string;
  close(): Promise<void>;
}

/** Whether an address to bind is loopback ("localhost" counts). */
export function isLoopbackBind(address: string): boolean {
  return address === "localhost" || isLoopbackAddress(address);
}

export async function startGuiServer(options: GuiServerOptions): Promise<GuiServer> {
  const token = options.token ?? newToken();
  const host = options.host ?? "127.0.0.1";
  const loopback = isLoopbackBind(host);
  if (!loopback && options.allowNonLoopback !== true) {
    throw new Error(
      `refusing to listen on ${host}, not a loopback address, without allowNonLoopback`,
    );
  }
  // Behind --listen, the server also answers to the address it was given and to this
  // machine's names (a browser elsewhere names it so); none of them is an attacker's DNS name.
  const extraHosts = new Set<string>();
  if (!loopback) {
    const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
    if (bare !== "0.0.0.0" && bare !== "::") extraHosts.add(bare);
    extraHosts.add(hostname().toLowerCase());
    extraHosts.add(shortHostname(options.env ?? process.env).toLowerCase());
  }
  let port = 0;
  const closing = new AbortController();
  const env = options.env ?? process.env;
  const app = createApp({
    runsRoot: options.runsRoot,
    token,
    env,
    closing: closing.signal,
    livePollMs: options.livePollMs ?? 1000,
    livePingMs: options.livePingMs ?? 15_000,
    binDirectory: options.binDirectory,
    host: shortHostname(env),
    extraHosts,
    port: () => port,
    client: loadClientAssets(options.clientDirectory),
  });
  const listener = getRequestListener(app.fetch);
  const server = createServer((request, response) => {
    // Checked before the request is parsed into a URL: a Host that is not even well formed
    // gets the same answer and advice as a foreign one.
    if (!isAllowedHost(request.headers.host, extraHosts)) {
      const refusal = refuseHost(request.headers.host, port);
      response.writeHead(refusal.status, {
        ...SECURITY_HEADERS,
        "content-type": "application/json; charset=utf-8",
      });
      response.end(JSON.stringify(errorBody(refusal)));
      return;
    }
    void listener(request, response);
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolvePromise();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shown =
    host === "0.0.0.0" || host === "::" ? hostname() : isIP(host) === 6 ? `[${host}]` : host;
  const base = `http://${shown}:${port}`;
  return {
    url: `${base}/#token=${token}`,
    port,
    host,
    loopback,
    token,
    close: () =>
      new Promise<void>((resolvePromise, reject) => {
        closing.abort();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolvePromise()));
      }),
  };
}
