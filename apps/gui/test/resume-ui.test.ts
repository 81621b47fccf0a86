// Resume from the GUI: a failed run's tab offers Resume; the failed step runs again in the
// same tab, which follows the resumed run live to its end. A run opened after it ended is
// not the cleanup policy's to remove.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGuiServer } from "../src/index.js";
import { hasChromium, launchChromium } from "./browser.js";

let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-resume-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasChromium)("resume from the GUI", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("resumes a failed run in its tab and follows it to success", async () => {
    const runsRoot = join(scratch, "runs");
    const marker = join(scratch, "fixed");
    const workflowFile = join(scratch, "flaky.yaml");
    writeFileSync(
      workflowFile,
      `name: flaky
steps:
  prepare: { run: 'echo prepared' }
  flaky: { run: 'test -e ${marker}', needs: prepare }
  after: { run: 'echo after', needs: flaky }
`,
    );
    const gui = await startGuiServer({
      runsRoot,
      env: { ...process.env, RUNYARD_HOME: join(scratch, "home") },
    });
    // Started as the GUI starts runs: a detached executor, as `runyard run` has.
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`http://127.0.0.1:${gui.port}/api/${path}`, {
        ...init,
        headers: { authorization: `Bearer ${gui.token}`, "content-type": "application/json" },
      });
    const { runId, directory: runDirectory } = (await (
      await api("runs", { method: "POST", body: JSON.stringify({ workflowFile }) })
    ).json()) as { runId: string; directory: string };
    await expect
      .poll(
        async () =>
          ((await (await api(`runs/${runId}`)).json()) as { run: { state: string } }).run.state,
        {
          timeout: 30_000,
        },
      )
      .toBe("failed");
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(gui.url);
      // The failed run is offered at start; reconnect to it.
      const dialog = page.locator("dialog.reconnect[open]");
      await dialog.locator(`tr[data-run-id="${runId}"] input[type=checkbox]`).check();
      await dialog.getByRole("button", { name: "Reconnect selected" }).click();
      const tab = page.locator(`.run-view[data-run-id="${runId}"]`);
      await tab.locator('[data-step-id="flaky"][data-status="failed"]').waitFor();
      await tab.locator('[data-step-id="after"][data-status="skipped"]').waitFor();
      expect(await tab.getAttribute("data-state")).toBe("failed");

      writeFileSync(marker, "");
      await tab.getByRole("button", { name: "Resume" }).click();
      await tab
        .locator('[data-step-id="after"][data-status="completed"]')
        .waitFor({ timeout: 30_000 });
      await tab.locator('[data-testid="run-state"]', { hasText: "success" }).waitFor();
      expect(await tab.locator('[data-step-id="prepare"]').getAttribute("data-status")).toBe(
        "completed",
      );
      await tab.locator('[data-step-id="flaky"]').click();
      expect(await tab.locator('[data-testid="step-attempt"]').textContent()).toBe("2");
      // Opened after it ended: the policy leaves it, though it now succeeded.
      await page.waitForTimeout(500);
      expect(existsSync(runDirectory)).toBe(true);
    } finally {
      await gui.close();
    }
  });

  it("leaves alone an ended run it only opened, however many reads its timeline takes", async () => {
    // 400 loop instances: a timeline of about 1,200 events, which reaches the page in several
    // reads. The cleanup policy once took such a run for one it had watched, and removed it.
    const runsRoot = join(scratch, "runs-long");
    const { runId, runDirectory, finalStatus } = await runWorkflow({
      workflowFile: join(scratch, "long.yaml"),
      workflowSource: "name: long\nsteps:\n  each: { foreach: \"1-400\", run: 'true' }\n",
      runsRoot,
      maxParallel: 8,
    });
    expect(finalStatus).toBe("success");
    const gui = await startGuiServer({
      runsRoot,
      env: { ...process.env, RUNYARD_HOME: join(scratch, "home") },
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const deletes: string[] = [];
      page.on("request", (request) => {
        if (request.method() === "DELETE") deletes.push(request.url());
      });
      await page.goto(gui.url);
      await page.click(`#runs tbody tr[data-run-id="${runId}"]`);
      const tab = page.locator(`.run-view[data-run-id="${runId}"]`);
      await tab.locator('[data-step-id="each"][data-status="completed"]').waitFor();
      await tab.locator('[data-testid="live-state"][data-live="ended"]').waitFor();
      expect(await tab.locator('[data-step-id="each"] .items').textContent()).toBe("400/400 done");
      expect(await tab.getAttribute("data-state")).toBe("success");
      expect(deletes).toEqual([]);
      expect(existsSync(runDirectory)).toBe(true);
    } finally {
      await gui.close();
    }
  });
});
