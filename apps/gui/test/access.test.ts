// Who the GUI server answers: a loopback Host on any port (an ssh port forward), the token on
// the API, Origin on what changes something, non-loopback addresses only when asked for.
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GuiServer, startGuiServer } from "../src/index.js";
import { authorized, raw } from "./http.js";

let scratch: string;
let gui: GuiServer;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-access-"));
  gui = await startGuiServer({ runsRoot: join(scratch, "runs") });
});

afterAll(async () => {
  await gui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("Host", () => {
  it.each([
    "localhost:9000",
    "127.0.0.1:9000",
    "[::1]:9000",
    "LOCALHOST:9000",
    "localhost",
    "127.0.0.2:80",
  ])("serves a loopback Host on any port, as a port forward sends: %s", async (host) => {
    const page = await raw({ port: gui.port, path: "/", headers: { host } });
    expect(page.status).toBe(200);
    const runs = await raw({
      port: gui.port,
      path: "/api/runs",
      headers: authorized(gui.token, host),
    });
    expect(runs.status).toBe(200);
    expect(JSON.parse(runs.body)).toMatchObject({ runs: [], total: 0 });
  });

  it.each([
    `evil.example:${0}`,
    "evil.example",
    "localhost.evil.example:9000",
    "127.0.0.1.evil.example",
    "10.0.0.1:9000",
    "[::2]:9000",
    "localhost:99999",
    "localhost@evil.example",
  ])("refuses a foreign Host with 421 and says what to do: %s", async (host) => {
    const response = await raw({
      port: gui.port,
      path: "/api/runs",
      headers: authorized(gui.token, host),
    });
    expect(response.status).toBe(421);
    const body = JSON.parse(response.body) as {
      error: { code: string; message: string; hint: string };
    };
    expect(body.error.code).toBe("E_BAD_HOST");
    expect(body.error.message).toContain("loopback");
    expect(body.error.hint).toContain(`ssh -L 9000:localhost:${gui.port}`);
    // The page too: a DNS-rebinding page gets nothing, not even the shell.
    expect((await raw({ port: gui.port, path: "/", headers: { host } })).status).toBe(421);
  });
});

/** A TCP forward from a port of its own to the GUI's, as `ssh -L <port>:localhost:<gui>` is. */
async function forward(target: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => socket.destroy());
      socket.on("close", () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolvePromise) => server.listen(0, "127.0.0.1", resolvePromise));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolvePromise) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolvePromise());
      }),
  };
}

describe("through a port forward", () => {
  it("serves the page and the API at localhost:<another port>, and takes a change from it", async () => {
    const tunnel = await forward(gui.port);
    try {
      expect(tunnel.port).not.toBe(gui.port);
      const base = `http://localhost:${tunnel.port}`;
      expect((await fetch(`${base}/`)).status).toBe(200);
      const runs = await fetch(`${base}/api/runs`, {
        headers: { authorization: `Bearer ${gui.token}` },
      });
      expect(runs.status).toBe(200);
      // A POST from the page as a browser sends it: Origin is the forwarded origin. It gets
      // past Host, token and Origin (the plan applies: nothing to remove).
      const apply = await fetch(`${base}/api/retention/apply`, {
        method: "POST",
        headers: { authorization: `Bearer ${gui.token}`, origin: base },
      });
      expect(apply.status).toBe(200);
      expect(await apply.json()).toMatchObject({ removed: [], failed: [] });
      // The server's own port is another origin than the forwarded one the page came from.
      const other = await fetch(`${base}/api/retention/apply`, {
        method: "POST",
        headers: { authorization: `Bearer ${gui.token}`, origin: `http://localhost:${gui.port}` },
      });
      expect(other.status).toBe(403);
    } finally {
      await tunnel.close();
    }
  });
});

describe("token", () => {
  it("refuses the API without the right bearer token, with a JSON error and a hint", async () => {
    const base = `http://127.0.0.1:${gui.port}`;
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: gui.token }]) {
      const response = await fetch(`${base}/api/runs`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
      expect(await response.json()).toMatchObject({
        error: { code: "E_TOKEN", hint: expect.stringContaining("runyard gui") },
      });
    }
    expect((await fetch(`${base}/api/runs?token=${gui.token}`)).status).toBe(401);
    // An unknown API path is not told apart from a known one without the token.
    expect((await fetch(`${base}/api/nothing`)).status).toBe(401);
    const known = await fetch(`${base}/api/nothing`, {
      headers: { authorization: `Bearer ${gui.token}` },
    });
    expect(known.status).toBe(404);
    expect(await known.json()).toMatchObject({ error: { code: "E_NOT_FOUND" } });
  });

  it("puts the token in the URL's fragment only, and sets no cookie", async () => {
    const url = new URL(gui.url);
    expect(url.hash).toBe(`#token=${gui.token}`);
    expect(url.hostname).toBe("127.0.0.1");
    const page = await fetch(new URL("/", url));
    expect(page.headers.get("set-cookie")).toBeNull();
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
  });
});

describe("Origin", () => {
  const host = "localhost:9000";

  it("refuses a change sent from another origin, with 403", async () => {
    for (const origin of [
      "http://evil.example",
      "null",
      "http://localhost:9001",
      "https://localhost:9000",
    ]) {
      const response = await raw({
        port: gui.port,
        method: "POST",
        path: "/api/retention/apply",
        headers: authorized(gui.token, host, { origin }),
      });
      expect(response.status, origin).toBe(403);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: "E_ORIGIN" } });
    }
  });

  it("lets a change through from the page's own origin, or with no Origin (a script)", async () => {
    for (const extra of [{ origin: `http://${host}` }, {}]) {
      const response = await raw({
        port: gui.port,
        method: "POST",
        path: "/api/no-such-action",
        headers: authorized(gui.token, host, extra),
      });
      // Past the checks: the path is what is wrong.
      expect(response.status).toBe(404);
    }
  });

  it("does not check Origin on reads, which change nothing", async () => {
    const response = await raw({
      port: gui.port,
      path: "/api/runs",
      headers: authorized(gui.token, host, { origin: "http://evil.example" }),
    });
    expect(response.status).toBe(200);
  });

  it("refuses other methods on the page with 405", async () => {
    const response = await raw({ port: gui.port, method: "POST", path: "/", headers: { host } });
    expect(response.status).toBe(405);
  });
});

describe("listen address", () => {
  it("refuses a non-loopback address unless asked for", async () => {
    await expect(startGuiServer({ runsRoot: scratch, host: "0.0.0.0" })).rejects.toThrow(
      /not a loopback address/,
    );
  });

  it("listens on ::1 when asked, and prints a URL with it", async () => {
    const six = await startGuiServer({ runsRoot: scratch, host: "::1" }).catch(() => undefined);
    if (six === undefined) return; // no IPv6 loopback on this machine
    try {
      expect(six.url).toMatch(/^http:\/\/\[::1\]:\d+\/#token=/);
      expect(six.loopback).toBe(true);
    } finally {
      await six.close();
    }
  });

  it("answers its own address when told to listen on one that is not loopback", async () => {
    const wide = await startGuiServer({
      runsRoot: scratch,
      host: "0.0.0.0",
      allowNonLoopback: true,
    });
    try {
      expect(wide.loopback).toBe(false);
      const forwarded = await raw({
        port: wide.port,
        path: "/api/runs",
        headers: authorized(wide.token, "localhost:9000"),
      });
      expect(forwarded.status).toBe(200);
      const foreign = await raw({
        port: wide.port,
        path: "/api/runs",
        headers: authorized(wide.token, "evil.example"),
      });
      expect(foreign.status).toBe(421);
    } finally {
      await wide.close();
    }
  });
});
