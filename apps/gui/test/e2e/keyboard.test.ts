// The GUI by keyboard alone, and its layout: a run and a step open with Tab and Enter, the
// tab bar moves with the arrow keys, the shortcuts (o, r, l, 1–9) switch views, Escape closes
// a dialog; no main screen scrolls sideways at 1280×720, in the light theme or the dark one.
import { runWorkflow } from "@runyard/executor";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { hasChromium } from "../browser.js";
import {
  inspectWorkflow,
  openGui,
  runView,
  type Scratch,
  screenshot,
  scrollWidth,
  useE2e,
  VIEWPORT,
  waitForText,
  writeWorkflow,
} from "./harness.js";

/** Presses Tab until `selector` has the focus (at most 40 times). */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 40; presses += 1) {
    if (await page.$(`${selector}:focus`)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function endedRuns(scratch: Scratch) {
  const good = writeWorkflow(scratch, "report", [
    "name: nightly-report-for-the-mesh-refinement-study",
    "steps:",
    "  fetch: { run: 'echo fetched' }",
    "  build: { run: 'for i in 1 2 3; do echo \"built part $i\"; done', needs: fetch }",
    "  publish: { run: 'echo published', needs: build }",
  ]);
  const bad = writeWorkflow(scratch, "broken", [
    "name: broken",
    "steps:",
    "  boom: { run: 'echo about to fail >&2; exit 3' }",
  ]);
  const done = await runWorkflow({ workflowFile: good, runsRoot: scratch.runsRoot });
  const failed = await runWorkflow({ workflowFile: bad, runsRoot: scratch.runsRoot });
  return { done: done.runId, failed: failed.runId };
}

describe.skipIf(!hasChromium)("keyboard and layout", () => {
  const e2e = useE2e("keyboard");

  it("opens a run and a step with Tab and Enter; arrows, shortcuts and Escape", async () => {
    const scratch = e2e.scratch();
    const { done, failed } = await endedRuns(scratch);
    const gui = await e2e.startGui(scratch);
    const page = await e2e.newPage();
    await openGui(page, gui);
    // The failed run is offered at start; Escape closes the dialog.
    await page.waitForSelector("dialog.reconnect[open]");
    await page.keyboard.press("Escape");
    await page.waitForSelector("dialog.reconnect:not([open])", { state: "attached" });

    await tabTo(page, `#runs tr[data-run-id="${done}"]`);
    await page.keyboard.press("Enter");
    await page.waitForSelector(`${runView(done)}:not([hidden])`);
    expect(await page.getAttribute(`#tab-${done}`, "aria-selected")).toBe("true");
    await tabTo(page, `${runView(done)} [data-step-id=build]`);
    await page.keyboard.press("Enter");
    await page.waitForSelector(`${runView(done)} [data-step-panel=build]`);
    await waitForText(page, `${runView(done)} pre.log-text`, "built part 3");
    await tabTo(page, `${runView(done)} pre.log-text`);

    // The tab bar: one tab stop, arrows move along it and wrap.
    await page.focus(`#tab-${done}`);
    const selected = () => page.getAttribute("[role=tab][aria-selected=true]", "data-tab");
    await page.keyboard.press("ArrowRight");
    expect(await selected()).toBe("open");
    expect(await page.$("#tab-open:focus")).not.toBeNull();
    await page.keyboard.press("ArrowRight");
    expect(await selected()).toBe("runs");
    await page.keyboard.press("ArrowLeft");
    expect(await selected()).toBe("open");
    await page.keyboard.press("ArrowLeft");
    expect(await selected()).toBe(done);

    // Shortcuts, away from any field.
    await page.keyboard.press("r");
    expect(await selected()).toBe("runs");
    await page.keyboard.press("o");
    expect(await selected()).toBe("open");
    await page.keyboard.press("1");
    expect(await selected()).toBe(done);
    await page.keyboard.press("l");
    await page.waitForSelector(`dialog.reconnect[open] tr[data-run-id="${failed}"]`);
    // Keys typed in a dialog are not shortcuts.
    await page.keyboard.press("r");
    expect(await selected()).toBe(done);
    await page.keyboard.press("Escape");
    await page.waitForSelector("dialog.reconnect:not([open])", { state: "attached" });
    // In a field, "r" is a letter.
    await page.keyboard.press("o");
    await page.focus("#workflow-path");
    await page.keyboard.type("/r");
    expect(await selected()).toBe("open");
    expect(await page.inputValue("#workflow-path")).toBe("/r");
  });

  for (const colorScheme of ["light", "dark"] as const) {
    it(`fits 1280×720 without scrolling sideways on every main screen (${colorScheme})`, async () => {
      const scratch = e2e.scratch();
      const { done } = await endedRuns(scratch);
      const broken = writeWorkflow(scratch, "invalid", [
        "name: invalid",
        "steps:",
        "  build: { run: 'echo build' }",
        "  test: { run: 'echo test', needs: [biuld, lint] }",
      ]);
      const gui = await e2e.startGui(scratch);
      const page = await e2e.newPage();
      await page.emulateMedia({ colorScheme });
      await openGui(page, gui);
      const widths: Record<string, number> = {};
      const measure = async (screen: string) => {
        widths[screen] = await scrollWidth(page);
        await screenshot(page, `${colorScheme}-${screen}`);
      };

      await page.waitForSelector("dialog.reconnect[open]");
      await measure("reconnect");
      await page.click("dialog.reconnect >> text=Skip");
      await measure("runs");
      await page.click(`#runs tr[data-run-id="${done}"]`);
      await page.click(`${runView(done)} [data-step-id=build]`);
      await waitForText(page, `${runView(done)} pre.log-text`, "built part 3");
      await measure("run");
      // A long name is cut short on its tab, and whole in the tab's title.
      expect(await page.getAttribute(`#tab-${done}`, "title")).toBe(
        "nightly-report-for-the-mesh-refinement-study",
      );
      await inspectWorkflow(page, broken);
      await measure("open");
      await page.click("button:text-is('Cleanup')");
      await page.waitForSelector("dialog.settings[open]");
      await measure("cleanup");
      expect(widths).toEqual({
        reconnect: VIEWPORT.width,
        runs: VIEWPORT.width,
        run: VIEWPORT.width,
        open: VIEWPORT.width,
        cleanup: VIEWPORT.width,
      });
    });
  }
});
