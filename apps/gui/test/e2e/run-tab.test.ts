// A run's tab in Chromium, on real detached runs: a running step's log grows as the step
// writes it (stdout and stderr), and "Cancel run" ends the run cancelled.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hasChromium } from "../browser.js";
import {
  gateScript,
  node,
  openGate,
  runView,
  screenshot,
  useE2e,
  waitForText,
  writeWorkflow,
} from "./harness.js";

describe.skipIf(!hasChromium)("a run's tab", () => {
  const e2e = useE2e("run-tab");

  it("shows a running step's stdout and stderr as the step writes them", async () => {
    const scratch = e2e.scratch();
    const more = scratch.gate("more");
    const done = scratch.gate("done");
    const workflow = writeWorkflow(scratch, "chatty", [
      "name: chatty",
      "steps:",
      "  talk:",
      "    run: |",
      '      for i in 1 2 3; do echo "tick $i"; echo "warn $i" >&2; sleep 0.1; done',
      `      ${gateScript(more)}`,
      '      for i in 4 5 6; do echo "tick $i"; sleep 0.1; done',
      '      echo "warn 4" >&2',
      `      ${gateScript(done)}`,
      "  after: { run: 'echo bye', needs: talk }",
    ]);
    const { run, page } = await e2e.watch(scratch, workflow);

    await page.click(node(run.runId, "talk", "running"));
    const log = `${runView(run.runId)} pre.log-text`;
    await waitForText(page, log, "tick 3");
    expect(await page.textContent(log)).toBe("tick 1\ntick 2\ntick 3\n");

    // The step writes on while the page shows it: the same log grows, without a click.
    openGate(more);
    await waitForText(page, log, "tick 6");
    expect(await page.textContent(log)).toBe("tick 1\ntick 2\ntick 3\ntick 4\ntick 5\ntick 6\n");
    expect(await page.getAttribute(node(run.runId, "talk"), "data-status")).toBe("running");
    await screenshot(page, "run-live-log");

    await page.click(`${runView(run.runId)} .stream-tabs >> text=stderr`);
    await page.waitForSelector(`${runView(run.runId)} .log[data-stream=err]`);
    await waitForText(page, log, "warn 4");
    expect(await page.textContent(log)).toBe("warn 1\nwarn 2\nwarn 3\nwarn 4\n");

    openGate(done);
    await page.waitForSelector(node(run.runId, "after", "completed"));
    expect(await page.getAttribute(node(run.runId, "talk"), "data-status")).toBe("completed");
  });

  it("cancels a run from its header: the run ends cancelled, its running step too", async () => {
    const scratch = e2e.scratch();
    const never = scratch.gate("never");
    const workflow = writeWorkflow(scratch, "endless", [
      "name: endless",
      "steps:",
      "  first: { run: 'echo ok' }",
      `  wait: { run: '${gateScript(never)}', needs: first }`,
      "  next: { run: 'echo next', needs: wait }",
    ]);
    const { run, page } = await e2e.watch(scratch, workflow);
    await page.waitForSelector(node(run.runId, "wait", "running"));

    await page.click(`${runView(run.runId)} .run-header >> text=Cancel run`);
    // The default cleanup policy removes a watched run that ends cancelled; the tab keeps what
    // it showed and says so.
    await page.waitForSelector(`${runView(run.runId)} [data-testid=run-state]:text-is("removed")`);
    expect(await page.textContent(`${runView(run.runId)} p.notice`)).toMatch(
      /^The run ended cancelled and was removed under the cleanup policy, freeing \d/,
    );
    expect(await page.getAttribute(node(run.runId, "wait"), "data-status")).toBe("cancelled");
    expect(await page.getAttribute(node(run.runId, "first"), "data-status")).toBe("completed");
    expect(await page.getAttribute(node(run.runId, "next"), "data-status")).not.toBe("running");
    expect(existsSync(run.directory)).toBe(false);
  });
});
