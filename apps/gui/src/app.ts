// The GUI's HTTP application, built with Hono: the page, a health check, and the API under
// /api/ behind the access checks (auth.ts). Hono gives typed routing and small middlewares on
// web-standard Request/Response, with no dependencies of its own; @hono/node-server adapts it
// to node:http, whose server we keep (its address, its close).
import { RunViewCache } from "@runyard/store";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError, errorBody, statusFor } from "./api-error.js";
import { RunsQuerySchema } from "./api-schemas.js";
import { type ExtraHosts, hasValidToken, isAllowedHost, isAllowedOrigin } from "./auth.js";
import { type ClientAssets, missingClientPage } from "./client-assets.js";
import { type ApiContext, parse } from "./routes/context.js";
import { registerLive } from "./routes/live.js";
import { registerRunActions } from "./routes/run-actions.js";
import { registerRunDetail } from "./routes/run-detail.js";
import { registerRunFiles } from "./routes/run-files.js";
import { registerSettings } from "./routes/settings.js";
import { registerStorage } from "./routes/storage.js";
import { registerWorkflowInspect } from "./routes/workflow-inspect.js";
import { runsResponse } from "./runs-api.js";

export interface AppOptions extends ApiContext {
  token: string;
  /** How often the live channel reads a run's files when it cannot use its socket, in ms. */
  livePollMs: number;
  /** After how long without a line the live channel sends a ping, in ms. */
  livePingMs: number;
  /** Host names answered besides loopback ones (the --listen address). */
  extraHosts: ExtraHosts;
  /** The port the server listens on, for the refusal's advice; 0 until it listens. */
  port: () => number;
  /** The browser client's files (client-assets.ts). */
  client: ClientAssets;
}

export const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** Why a request sent to another Host is refused (server.ts answers it before routing). */
export function refuseHost(host: string | undefined, port: number): ApiError {
  return new ApiError(
    421,
    "E_BAD_HOST",
    `runyard gui answers only to a loopback address (localhost, 127.0.0.1, [::1]); this request was sent to ${JSON.stringify(host ?? "")}`,
    {
      hint: `from another machine, forward a port over ssh and open localhost: ssh -L 9000:localhost:${port} <this host>, then http://localhost:9000/ with the #token=… part of the URL runyard gui printed`,
    },
  );
}

export function createApp(options: AppOptions): Hono {
  const app = new Hono();

  app.onError((error, c) => c.json(errorBody(error), statusFor(error)));
  app.notFound((c) =>
    c.json(
      errorBody(new ApiError(404, "E_NOT_FOUND", `no such path: ${c.req.method} ${c.req.path}`)),
      404,
    ),
  );

  app.use(async (c, next) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    // server.ts refuses other Hosts before a request gets here; this keeps the app safe alone.
    const host = c.req.header("host");
    if (!isAllowedHost(host, options.extraHosts)) throw refuseHost(host, options.port());
    await next();
  });

  app.get("/healthz", (c) => c.text("ok\n"));

  // The page holds no data: it is the same for everyone, and its script asks the API. Its
  // script and style are files of this server ('self'); nothing comes from the network.
  const CSP =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  app.get("/", (c) => {
    c.header("content-security-policy", CSP);
    return c.html(options.client.index ?? missingClientPage(options.client.directory));
  });
  app.get("*", async (c, next) => {
    const asset = options.client.files.get(c.req.path);
    if (asset === undefined) return next();
    c.header("content-type", asset.type);
    c.header("content-security-policy", CSP);
    if (asset.immutable) c.header("cache-control", "public, max-age=31536000, immutable");
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });

  app.use("/api/*", async (c, next) => {
    if (!hasValidToken(c.req.header("authorization"), options.token)) {
      c.header("www-authenticate", "Bearer");
      throw new ApiError(401, "E_TOKEN", "no access token, or a wrong one", {
        hint: "open the URL that `runyard gui` printed: it carries the access token (send it as Authorization: Bearer <token>)",
      });
    }
    const live = c.req.path.endsWith("/live");
    if (
      (!SAFE_METHODS.has(c.req.method) || live) &&
      !isAllowedOrigin(c.req.header("origin"), c.req.header("host"))
    ) {
      throw new ApiError(
        403,
        "E_ORIGIN",
        `requests from ${c.req.header("origin")} may not change runs or follow them`,
        { hint: "use the page this server serves, or a client that sends no Origin header" },
      );
    }
    await next();
  });
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw new ApiError(413, "E_BODY_TOO_LARGE", "the request body is larger than 64 KiB");
      },
    }),
  );

  // The page polls the list: ended runs whose files did not change are not read again.
  const runViews = new RunViewCache();
  app.get("/api/runs", async (c) => {
    const { limit } = parse(RunsQuerySchema, c.req.query(), "query");
    return c.json(await runsResponse(options.runsRoot, options.host, { limit, cache: runViews }));
  });
  registerRunDetail(app, options);
  registerRunFiles(app, options);
  registerStorage(app, options);
  registerRunActions(app, options);
  registerWorkflowInspect(app, options);
  registerSettings(app, options);
  registerLive(app, options, { pollMs: options.livePollMs, pingMs: options.livePingMs });

  app.all("*", (c, next) =>
    SAFE_METHODS.has(c.req.method) || c.req.path.startsWith("/api/")
      ? next()
      : Promise.reject(
          new ApiError(405, "E_METHOD", `${c.req.method} is not allowed on ${c.req.path}`),
        ),
  );

  return app;
}
