import { once } from "node:events";
import { Agent, get, type IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { startCli, useScratch } from "./cli.js";

const scratch = useScratch();

describe("runyard gui", () => {
  it("stops at Ctrl-C at once, exit 0, though a browser keeps a connection open", async () => {
    const { child, done } = startCli(["gui"], { runsDir: scratch.runsDir });
    let printed = "";
    const url = await new Promise<URL>((resolvePromise) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes("\n")) resolvePromise(new URL(printed.trim()));
      });
    });
    // As a browser tab does: a keep-alive connection, idle once its request is answered.
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      const response = await new Promise<IncomingMessage>((resolvePromise) =>
        get(new URL("/healthz", url), { agent }, resolvePromise),
      );
      response.resume();
      await once(response, "end");
      expect(response.statusCode).toBe(200);
      // The page is the built browser client the bundle carries (dist/gui-client/).
      const page = await fetch(new URL("/", url));
      const html = await page.text();
      expect(html).toContain('<div id="app">');
      expect(html).not.toContain("not built");
      const script = /src="\.(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? "";
      expect((await fetch(new URL(script, url))).status).toBe(200);
      const started = Date.now();
      child.kill("SIGINT");
      const result = await done;
      // Well before the 60 s the idle keep-alive connection would hold it open.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/runyard gui: stopped\n$/);
    } finally {
      agent.destroy();
    }
  });

  it("listens on another address only with --listen, and warns", async () => {
    const { child, done } = startCli(["gui", "--listen", "0.0.0.0"], { runsDir: scratch.runsDir });
    let printed = "";
    const url = await new Promise<URL>((resolvePromise) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes("\n")) resolvePromise(new URL(printed.trim()));
      });
    });
    // Reached through a loopback name on its port, as a port forward or this host would.
    const response = await fetch(`http://127.0.0.1:${url.port}/healthz`);
    expect(response.status).toBe(200);
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /runyard gui: warning: listening on 0\.0\.0\.0, not a loopback address: .*prefer an ssh port forward/,
    );
  });

  it("refuses a malformed --listen address as a usage error", async () => {
    const { done } = startCli(["gui", "--listen", "a/b"], { runsDir: scratch.runsDir });
    const result = await done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--listen expects an IP address or a host name");
  });
});
