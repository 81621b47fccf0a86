// What the GUI refuses, seen from a browser (test/access.test.ts covers the same at the HTTP
// level): a page without the token, a page of another origin that has the token, a request
// sent to a foreign Host name, and an artifact path that climbs out of artifacts/.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { runWorkflow } from "@runyard/executor";
import { describe, expect, it } from "vitest";
import { hasChromium } from "../browser.js";
import { authorized, raw } from "../http.js";
import { gateScript, node, openGate, openGui, runView, useE2e, writeWorkflow } from "./harness.js";

/** Serves one HTML page on another port of 127.0.0.1: another origin. */
async function serveOtherOrigin(html: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(html);
  });
  await new Promise<void>((resolvePromise) => server.listen(0, "127.0.0.1", resolvePromise));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

describe.skipIf(!hasChromium)("refusals, from a browser", () => {
  const e2e = useE2e("refusals");

  it("says how to get in when the page is opened without the token", async () => {
    const scratch = e2e.scratch();
    const gui = await e2e.startGui(scratch);
    const page = await e2e.newPage();
    await page.goto(`http://127.0.0.1:${gui.port}/`);
    await page.waitForSelector("body[data-error=true]");
    expect(await page.textContent("#problems")).toBe(
      "cannot load runs: no access token: open the URL that runyard gui printed",
    );
  });

  it("does not let a page of another origin read or cancel runs, even with the token", async () => {
    const scratch = e2e.scratch();
    const gate = scratch.gate("wait");
    const workflow = writeWorkflow(scratch, "target", [
      "name: target",
      "steps:",
      `  wait: { run: '${gateScript(gate)}' }`,
    ]);
    const { run, gui, page } = await e2e.watch(scratch, workflow);
    await page.waitForSelector(node(run.runId, "wait", "running"));

    const api = `http://127.0.0.1:${gui.port}/api`;
    const other = await serveOtherOrigin(`<!doctype html><title>other</title><script>
      const headers = { authorization: "Bearer ${gui.token}", "content-type": "application/json" };
      const attempt = (path, init) => fetch("${api}" + path, { headers, ...init })
        .then((response) => "status " + response.status, (error) => error.name + ": " + error.message);
      Promise.all([
        attempt("/runs", {}),
        attempt("/runs/${run.runId}/cancel", { method: "POST", body: "{}" }),
        // No custom header, so no preflight: it goes, but it cannot carry the token.
        fetch("${api}/runs/${run.runId}/cancel", { method: "POST", body: "{}", mode: "no-cors" })
          .then((response) => "opaque " + response.type),
      ]).then((results) => { document.body.dataset.results = JSON.stringify(results); });
    </script>`);
    try {
      const foreign = await e2e.newPage();
      await foreign.goto(other.url);
      const results = JSON.parse(
        (await (
          await foreign.waitForSelector("body[data-results]", { state: "attached" })
        ).getAttribute("data-results")) ?? "[]",
      );
      // The browser asks first (CORS preflight, which carries no token): the server gives no
      // CORS headers, so neither request is sent. A client that skips the preflight and sends
      // a foreign Origin gets 403 E_ORIGIN (access.test.ts).
      expect(results).toEqual([
        "TypeError: Failed to fetch",
        "TypeError: Failed to fetch",
        "opaque opaque",
      ]);
    } finally {
      await new Promise((resolvePromise) => other.server.close(resolvePromise));
    }
    // Nothing was cancelled: the run ends as its step does.
    openGate(gate);
    await page.waitForSelector(node(run.runId, "wait", "completed"));
    await page.waitForSelector(`${runView(run.runId)} [data-testid=run-state]:text-is("removed")`);
    expect(await page.textContent(`${runView(run.runId)} p.notice`)).toContain("ended success");
  });

  it("refuses a foreign Host name with 421, and artifact paths out of artifacts/", async () => {
    const scratch = e2e.scratch();
    const workflow = writeWorkflow(scratch, "done", [
      "name: done",
      "steps:",
      "  a: { run: 'true' }",
    ]);
    const { runId } = await runWorkflow({ workflowFile: workflow, runsRoot: scratch.runsRoot });
    const gui = await e2e.startGui(scratch);

    // A DNS-rebinding page's requests carry its own name in Host; a browser will not forge it.
    const rebound = await raw({
      port: gui.port,
      path: "/api/runs",
      headers: authorized(gui.token, `attacker.example:${gui.port}`),
    });
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: { code: "E_BAD_HOST" } });

    const page = await e2e.newPage();
    await openGui(page, gui);
    const climbing = [
      `api/runs/${runId}/artifacts/..%2F..%2Fmeta.json`,
      `api/runs/${runId}/artifacts/..%2Fmeta.json`,
      `api/runs/${runId}/artifacts/%2e%2e%2fmeta.json`,
      `api/runs/${runId}/artifacts/sub%2F..%2F..%2Fmeta.json`,
    ];
    // Asked from the GUI's own page, with the token it holds.
    const statuses = await page.evaluate<[string, number][], { paths: string[]; token: string }>(
      async ({ paths, token }) =>
        Promise.all(
          paths.map(async (path): Promise<[string, number]> => {
            const response = await fetch(path, {
              headers: { authorization: `Bearer ${token}` },
            });
            return [path, response.status];
          }),
        ),
      { paths: climbing, token: gui.token },
    );
    expect(statuses).toEqual(climbing.map((path) => [path, 400]));
  });
});
