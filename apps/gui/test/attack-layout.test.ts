// Hostile names in the page: a workflow and a step named with thousands of characters (and
// markup, and a right-to-left override) are shown as text, cut to two lines. Such a name
// stretched the runs table and the run's header past the window: every run's id and start,
// and the run's Remove, Cancel and Resume buttons, were pushed hundreds of thousands of pixels
// to the right, out of reach.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGuiServer } from "../src/index.js";
import { hasChromium, launchChromium } from "./browser.js";

let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-attack-layout-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasChromium)("very long names", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("keep the runs table, the run's buttons and the step's in the window", async () => {
    const runsRoot = join(scratch, "runs");
    const long = `<img src=x onerror=alert(1)>\u202e${"W".repeat(5000)}`;
    const workflowFile = join(scratch, "long.yaml");
    writeFileSync(
      workflowFile,
      `name: ${JSON.stringify(long)}\nsteps:\n  a:\n    name: ${JSON.stringify(long)}\n    run: 'true'\n`,
    );
    const { runId } = await runWorkflow({ workflowFile, runsRoot });
    const gui = await startGuiServer({
      runsRoot,
      env: { ...process.env, RUNYARD_HOME: join(scratch, "home") },
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    try {
      await page.goto(gui.url);
      await page.locator("body[data-loaded=true]").waitFor();
      const within = async (locator: ReturnType<typeof page.locator>) => {
        const box = await locator.boundingBox();
        expect(box).not.toBeNull();
        expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1280);
      };
      const row = page.locator(`tr[data-run-id="${runId}"]`);
      await within(row.locator("td.id"));
      await within(row.locator("td").last());
      expect((await row.boundingBox())?.height).toBeLessThan(200);

      await row.locator("td.id").click();
      const tab = page.locator(`.run-view[data-run-id="${runId}"]`);
      await within(tab.getByRole("button", { name: "Remove", exact: true }));
      await tab.locator('[data-step-id="a"]').click();
      await tab.locator("[data-step-panel]").waitFor();
      await within(tab.locator("[data-step-panel] [data-testid=step-status]"));
      await within(tab.locator("[data-step-panel] header h3"));
      expect(await tab.locator("h2").textContent()).toContain("<img src=x onerror=alert(1)>");
      expect(dialogs).toEqual([]);
    } finally {
      await page.close();
      await gui.close();
    }
  });
});
