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
});
