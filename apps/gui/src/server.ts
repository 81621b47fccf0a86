// The GUI's HTTP server: loopback only, three routes (the page, the runs JSON behind the
// token, a health check). Later issues add live updates over the executor's socket.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hasValidToken, isAllowedHost, newToken } from "./auth.js";
import { renderPage } from "./page.js";
import { runsResponse } from "./runs-api.js";

export interface GuiServerOptions {
  runsRoot: string;
  /** 0 picks a free port. */
  port?: number;
  /** Loopback address to bind; the GUI never listens on other interfaces. */
  host?: "127.0.0.1" | "::1";
  /** Fixed access token (tests); a fresh random one by default. */
  token?: string;
}

export interface GuiServer {
  /** The URL to open; the token rides in its fragment, which is never sent to a server. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    ...headers,
  });
  response.end(body);
}

export async function startGuiServer(options: GuiServerOptions): Promise<GuiServer> {
  const token = options.token ?? newToken();
  const host = options.host ?? "127.0.0.1";
  let port = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (!isAllowedHost(request, port)) {
      send(response, 421, "text/plain; charset=utf-8", "runyard gui: wrong Host header\n");
      return;
    }
    const url = new URL(request.url ?? "/", `http://${request.headers.host}`);
    if (url.pathname === "/healthz") {
      send(response, 200, "text/plain; charset=utf-8", "ok\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      send(response, 405, "text/plain; charset=utf-8", "method not allowed\n", {
        allow: "GET, HEAD",
      });
      return;
    }
    if (url.pathname === "/") {
      // The page holds no data: it is the same for everyone, and its script asks the API.
      const nonce = randomBytes(16).toString("base64");
      send(response, 200, "text/html; charset=utf-8", renderPage(nonce), {
        "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      });
      return;
    }
    if (!hasValidToken(request, token)) {
      send(
        response,
        401,
        "application/json; charset=utf-8",
        JSON.stringify({
          error: "open the URL that `runyard gui` printed: it carries the access token",
        }),
        {
          "www-authenticate": "Bearer",
        },
      );
      return;
    }
    if (url.pathname === "/api/runs") {
      send(
        response,
        200,
        "application/json; charset=utf-8",
        JSON.stringify(await runsResponse(options.runsRoot)),
      );
      return;
    }
    send(response, 404, "text/plain; charset=utf-8", "not found\n");
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        send(
          response,
          500,
          "text/plain; charset=utf-8",
          `runyard gui: ${(error as Error).message}\n`,
        );
      else response.destroy();
    });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolvePromise();
    });
  });
  port = (server.address() as AddressInfo).port;
  const base = host === "::1" ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`;
  return {
    url: `${base}/#token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolvePromise, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolvePromise()));
      }),
  };
}
