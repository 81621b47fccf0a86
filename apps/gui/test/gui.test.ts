import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGuiServer } from "../src/index.js";
import { hasChromium, launchChromium } from "./browser.js";

let scratch: string;
let runsRoot: string;
const runIds: Record<string, string> = {};

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-"));
  runsRoot = join(scratch, "runs");
  const good = join(scratch, "good.yaml");
  const bad = join(scratch, "bad.yaml");
  writeFileSync(
    good,
    "name: nightly-build\nsteps:\n  a: { run: 'echo a' }\n  b: { run: 'echo b', needs: a }\n",
  );
  writeFileSync(bad, "name: '<img src=x onerror=alert(1)>'\nsteps:\n  boom: { run: 'exit 3' }\n");
  runIds.good = (await runWorkflow({ workflowFile: good, runsRoot })).runId;
  runIds.bad = (await runWorkflow({ workflowFile: bad, runsRoot })).runId;
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("gui server", () => {
  it("refuses requests without the token, and other Host headers", async () => {
    const gui = await startGuiServer({ runsRoot });
    try {
      const base = `http://127.0.0.1:${gui.port}`;
      expect((await fetch(`${base}/api/runs`)).status).toBe(401);
      expect((await fetch(`${base}/api/runs?token=${gui.token}`)).status).toBe(401);
      const wrong = await fetch(`${base}/api/runs`, { headers: { authorization: "Bearer wrong" } });
      expect(wrong.status).toBe(401);
      // The page itself holds no data and no path, so it needs no token.
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).not.toContain(runsRoot);
      expect(page.headers.get("set-cookie")).toBeNull();
      expect(new URL(gui.url).hash).toBe(`#token=${gui.token}`);
      // fetch() will not forge a Host header; a DNS-rebinding page's request carries its own.
      const rebinding = await new Promise<number | undefined>((resolvePromise, reject) => {
        request(
          {
            host: "127.0.0.1",
            port: gui.port,
            path: "/api/runs",
            headers: { host: `evil.example:${gui.port}`, authorization: `Bearer ${gui.token}` },
          },
          (response) => {
            response.resume();
            resolvePromise(response.statusCode);
          },
        )
          .on("error", reject)
          .end();
      });
      expect(rebinding).toBe(421);
      const ok = await fetch(`${base}/api/runs`, {
        headers: { authorization: `Bearer ${gui.token}` },
      });
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { runs: { runId: string; state: string }[] };
      expect(body.runs.map((run) => [run.runId, run.state])).toEqual([
        [runIds.bad, "failed"],
        [runIds.good, "success"],
      ]);
    } finally {
      await gui.close();
    }
  });
});

describe.skipIf(!hasChromium)("gui in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("lists the runs the store finds, newest first, with their state", async () => {
    const gui = await startGuiServer({ runsRoot });
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(gui.url);
      await page.waitForSelector("body[data-loaded=true]");
      // The token left the address bar, and no cookie carries it (cookies ignore ports, so
      // another user's server on 127.0.0.1 would receive one).
      expect(new URL(page.url()).hash).toBe("");
      expect(await page.context().cookies()).toEqual([]);
      expect(await page.textContent("#root")).toBe(runsRoot);
      const rows = await page.$$eval("#runs tbody tr", (trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
      );
      expect(rows.map((cells) => [cells[1], cells[2], cells[3], cells[6]])).toEqual([
        ["failed", "<img src=x onerror=alert(1)>", runIds.bad, "0/1 (1 failed)"],
        ["success", "nightly-build", runIds.good, "2/2"],
      ]);
      expect(await page.$("#runs img")).toBeNull();
      expect(dialogs).toEqual([]);
      await page.screenshot({ path: join(scratch, "gui.png") });
    } finally {
      await gui.close();
    }
  });

  it("says how to get in when opened without the token", async () => {
    const gui = await startGuiServer({ runsRoot });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${gui.port}/`);
      await page.waitForSelector("body[data-error=true]");
      expect(await page.textContent("#problems")).toBe(
        "cannot load runs: no access token: open the URL that runyard gui printed",
      );
      expect(await page.$$("#runs tbody tr")).toEqual([]);
    } finally {
      await gui.close();
    }
  });

  it("shows a new run without a reload", async () => {
    const gui = await startGuiServer({ runsRoot });
    try {
      const page = await browser.newPage();
      await page.goto(gui.url);
      await page.waitForSelector("body[data-loaded=true]");
      const file = join(scratch, "later.yaml");
      writeFileSync(file, "name: later\nsteps:\n  x: { run: 'true' }\n");
      const { runId } = await runWorkflow({ workflowFile: file, runsRoot });
      await page.waitForSelector(`tr[data-run-id="${runId}"]`, { timeout: 10_000 });
      expect(await page.textContent(`tr[data-run-id="${runId}"] td.workflow`)).toBe("later");
    } finally {
      await gui.close();
    }
  });
});
