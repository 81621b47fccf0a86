// Cleaning up from Chromium: the cleanup policy removes a watched run that ends success (by
// default) unless the user turns it off, and never a failed one; the Runs tab removes the
// selected ended runs and says how much space that freed.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";
import { describe, expect, it } from "vitest";
import { hasChromium } from "../browser.js";
import {
  gateScript,
  launch,
  node,
  openGate,
  openGui,
  reconnectAtStart,
  runView,
  type Scratch,
  screenshot,
  useE2e,
  waitForText,
  writeWorkflow,
} from "./harness.js";

function gated(scratch: Scratch, name: string, then = "echo done"): [string, string] {
  const gate = scratch.gate(name);
  const file = writeWorkflow(scratch, name, [
    `name: ${name}`,
    "steps:",
    `  work: { run: '${gateScript(gate)}; ${then}' }`,
  ]);
  return [file, gate];
}

const runState = (runId: string) => `${runView(runId)} [data-testid=run-state]`;

describe.skipIf(!hasChromium)("cleaning up", () => {
  const e2e = useE2e("cleanup");

  it("removes a watched run that succeeds, unless the policy keeps it; never a failed one", async () => {
    const scratch = e2e.scratch();
    const [succeedsFile, succeedsGate] = gated(scratch, "succeeds");
    const [failsFile, failsGate] = gated(scratch, "fails", "exit 3");
    const succeeds = await launch(scratch, succeedsFile);
    const fails = await launch(scratch, failsFile);
    const gui = await e2e.startGui(scratch);
    const page = await e2e.newPage();
    await openGui(page, gui);
    await reconnectAtStart(page);
    await page.waitForSelector(node(succeeds.runId, "work", "running"), { state: "attached" });
    await page.waitForSelector(node(fails.runId, "work", "running"), { state: "attached" });

    openGate(succeedsGate);
    openGate(failsGate);
    await page.waitForSelector(`${runState(fails.runId)}:text-is("failed")`, { state: "attached" });
    await page.click(`#tab-${succeeds.runId}`);
    await page.waitForSelector(`${runState(succeeds.runId)}:text-is("removed")`);
    await waitForText(page, `${runView(succeeds.runId)} p.notice`, "ended success and was removed");
    expect(await page.getAttribute(node(succeeds.runId, "work"), "data-status")).toBe("completed");
    expect(existsSync(succeeds.directory)).toBe(false);
    // Gone from the runs list, the run keeps its name on its tab.
    await page.waitForSelector(`#runs tr[data-run-id="${succeeds.runId}"]`, { state: "detached" });
    expect(await page.textContent(`#tab-${succeeds.runId}`)).toBe("succeeds");
    expect(existsSync(fails.directory)).toBe(true);

    // Keep the runs that succeed or are cancelled from now on.
    await page.click("button:text-is('Cleanup')");
    await page.waitForSelector("dialog.settings[open]");
    const keepSucceeded = "dialog.settings label:has-text('Remove runs that succeed') input";
    const keepCancelled = "dialog.settings label:has-text('Remove runs that are cancelled') input";
    expect(await page.isChecked(keepSucceeded)).toBe(true);
    await page.uncheck(keepSucceeded);
    await page.uncheck(keepCancelled);
    await screenshot(page, "cleanup-policy");
    await page.click("dialog.settings button:text-is('Save')");
    await page.waitForSelector("dialog.settings:not([open])", { state: "attached" });
    expect(JSON.parse(readFileSync(join(scratch.home, "gui.json"), "utf8"))).toMatchObject({
      cleanup: { removeSucceeded: false, removeCancelled: false },
    });

    // A new page reads the policy from the server.
    const [keptFile, keptGate] = gated(scratch, "kept");
    const [stoppedFile] = gated(scratch, "stopped");
    const kept = await launch(scratch, keptFile);
    const stopped = await launch(scratch, stoppedFile);
    const again = await e2e.newPage();
    await openGui(again, gui);
    await reconnectAtStart(again);
    await again.click(`#tab-${stopped.runId}`);
    await again.waitForSelector(node(stopped.runId, "work", "running"));
    await again.click(`${runView(stopped.runId)} .run-header >> text=Cancel run`);
    await again.waitForSelector(`${runState(stopped.runId)}:text-is("cancelled")`);
    await again.click(`#tab-${kept.runId}`);
    await again.waitForSelector(node(kept.runId, "work", "running"));
    openGate(keptGate);
    await again.waitForSelector(`${runState(kept.runId)}:text-is("success")`);
    expect(existsSync(kept.directory)).toBe(true);
    expect(existsSync(stopped.directory)).toBe(true);
    expect(await again.$(`${runView(kept.runId)} p.notice`)).toBeNull();
  });

  it("removes the selected ended runs from the Runs tab and says how much it freed", async () => {
    const scratch = e2e.scratch();
    const file = writeWorkflow(scratch, "small", [
      "name: small",
      "steps:",
      "  write: { run: 'head -c 100000 /dev/zero > blob; echo wrote' }",
    ]);
    const first = await runWorkflow({ workflowFile: file, runsRoot: scratch.runsRoot });
    const second = await runWorkflow({ workflowFile: file, runsRoot: scratch.runsRoot });
    const third = await runWorkflow({ workflowFile: file, runsRoot: scratch.runsRoot });
    const gui = await e2e.startGui(scratch);
    const page = await e2e.newPage();
    await openGui(page, gui);
    await page.check(`tr[data-run-id="${first.runId}"] input[type=checkbox]`);
    await page.check(`tr[data-run-id="${second.runId}"] input[type=checkbox]`);
    await screenshot(page, "runs-list");
    await page.click("button:has-text('Remove selected (2)')");
    await page.waitForSelector("[data-testid=runs-notice]");
    expect(await page.textContent("[data-testid=runs-notice]")).toMatch(
      /^Removed 2 runs, freed \d+(\.\d)? KiB\.$/,
    );
    await page.waitForSelector(`tr[data-run-id="${first.runId}"]`, { state: "detached" });
    expect(await page.$$eval("#runs tbody tr", (rows) => rows.length)).toBe(1);
    expect(existsSync(join(scratch.runsRoot, first.runId))).toBe(false);
    expect(existsSync(join(scratch.runsRoot, second.runId))).toBe(false);
    expect(existsSync(join(scratch.runsRoot, third.runId))).toBe(true);
  });
});
