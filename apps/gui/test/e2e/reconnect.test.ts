// Reconnecting, in Chromium, to runs that outlive the GUI: a page whose server goes away and
// comes back on the same port picks up by itself; a fresh page offers the runs left behind —
// running, crashed (kill -9 of the executor), or started on another host.
import { readRun } from "@runyard/store";
import { describe, expect, it } from "vitest";
import { hasChromium } from "../browser.js";
import {
  gateScript,
  launch,
  node,
  openGate,
  openGui,
  runView,
  type Scratch,
  screenshot,
  useE2e,
  writeWorkflow,
} from "./harness.js";

/** first (done at once) → wait (until the gate opens) → next: 1 completed, 1 running, 1 pending. */
function gatedWorkflow(scratch: Scratch, name: string, gate: string): string {
  return writeWorkflow(scratch, name, [
    `name: ${name}`,
    "steps:",
    "  first: { run: 'echo ok' }",
    `  wait: { run: '${gateScript(gate)}', needs: first }`,
    "  next: { run: 'echo next', needs: wait }",
  ]);
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
}

async function stepRunning(directory: string, step: string): Promise<boolean> {
  const run = await readRun(directory);
  return run.status?.steps.find((entry) => entry.nodeId === step)?.status === "running";
}

describe.skipIf(!hasChromium)("reconnecting", () => {
  const e2e = useE2e("reconnect");

  it("picks up without a reload when the server comes back; a fresh page offers the run", async () => {
    const scratch = e2e.scratch();
    const gate = scratch.gate("wait");
    const { run, gui, page } = await e2e.watch(scratch, gatedWorkflow(scratch, "outlives", gate));
    const live = `${runView(run.runId)} [data-testid=live-state]`;
    await page.waitForSelector(node(run.runId, "wait", "running"));
    await page.waitForSelector(`${live}[data-live=live]`);

    await gui.close();
    await page.waitForSelector(`${live}[data-live=retrying]`);
    expect(await page.textContent(live)).toMatch(/^reconnecting in \ds: /);

    const again = await e2e.startGui(scratch, { port: gui.port, token: gui.token });
    await page.waitForSelector(`${live}[data-live=live]`);
    expect(await page.getAttribute(node(run.runId, "wait"), "data-status")).toBe("running");

    // A new page (a new browser tab: no token kept) on the new server.
    const fresh = await e2e.newPage();
    await openGui(fresh, again);
    await fresh.waitForSelector("dialog.reconnect[open]");
    const row = `dialog.reconnect tr[data-run-id="${run.runId}"]`;
    const cells = await fresh.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
    // Workflow, started, host, then completed / running / pending, and the state.
    expect([cells[1], cells[4], cells[5], cells[6], cells[7]]).toEqual([
      "outlives",
      "1",
      "1",
      "1",
      "running",
    ]);
    expect(await fresh.isChecked(`${row} input[type=checkbox]`)).toBe(true);
    await fresh.click("dialog.reconnect >> text=Reconnect selected");
    await fresh.waitForSelector(`${runView(run.runId)}:not([hidden])`);
    expect(await fresh.getAttribute(`#tab-${run.runId}`, "aria-selected")).toBe("true");
    await fresh.waitForSelector(node(run.runId, "wait", "running"));
    openGate(gate);
    // Both pages watched the run to its end: one removes it under the cleanup policy, and
    // neither reports an error.
    for (const watcher of [page, fresh]) {
      await watcher.waitForSelector(node(run.runId, "next", "completed"));
      await watcher.waitForSelector(
        `${runView(run.runId)} [data-testid=run-state]:text-is("removed")`,
      );
      expect(await watcher.textContent(`${runView(run.runId)} [role=status]`)).toMatch(/removed/);
    }
  });

  it("marks a crashed run and one of another host; the link icon reopens the dialog", async () => {
    const scratch = e2e.scratch();
    const crashed = await launch(scratch, gatedWorkflow(scratch, "killed", scratch.gate("killed")));
    await until(() => stepRunning(crashed.directory, "wait"), "the step runs");
    process.kill(crashed.pid, "SIGKILL");
    await until(
      async () => (await readRun(crashed.directory)).classification === "crashed",
      "the run is crashed",
    );
    const elsewhere = await launch(
      scratch,
      gatedWorkflow(scratch, "elsewhere", scratch.gate("elsewhere")),
      { ...scratch.env, RUNYARD_HOSTNAME: "otherhost" },
    );
    await until(() => stepRunning(elsewhere.directory, "wait"), "the other host's step runs");
    // The server names this host as the executor of `killed` did (scratch.env).
    const gui = await e2e.startGui(scratch);
    const page = await e2e.newPage();
    await openGui(page, gui);

    await page.waitForSelector("dialog.reconnect[open]");
    const crashedRow = `dialog.reconnect tr[data-run-id="${crashed.runId}"]`;
    const otherRow = `dialog.reconnect tr[data-run-id="${elsewhere.runId}"]`;
    expect(await page.textContent(`${crashedRow} .mark.crashed`)).toBe(" crashed");
    expect(await page.$(`${crashedRow} .mark.other-host`)).toBeNull();
    expect(await page.textContent(`${otherRow} .mark.other-host`)).toBe(" another host");
    expect(await page.$(`${otherRow} .mark.crashed`)).toBeNull();
    expect(await page.getAttribute(otherRow, "data-state")).toBe("running");
    // Only running runs are chosen to begin with.
    expect(await page.isChecked(`${otherRow} input`)).toBe(true);
    expect(await page.isChecked(`${crashedRow} input`)).toBe(false);
    await screenshot(page, "reconnect-dialog");

    expect(await page.getAttribute("#reconnect-link", "title")).toBe(
      "2 runs available to reconnect",
    );
    await page.click("dialog.reconnect >> text=Skip");
    await page.waitForSelector("dialog.reconnect:not([open])", { state: "attached" });
    await page.click("#reconnect-link");
    await page.waitForSelector("dialog.reconnect[open]");

    await page.check(`${crashedRow} input`);
    await page.click("dialog.reconnect >> text=Reconnect selected");
    await page.click(`#tab-${crashed.runId}`);
    await page.waitForSelector(
      `${runView(crashed.runId)} [data-testid=run-state]:text-is("crashed")`,
    );
    // The crashed run can be resumed, not cancelled.
    expect(await page.$(`${runView(crashed.runId)} .run-header >> text=Resume`)).not.toBeNull();
    await page.click(`#tab-${elsewhere.runId}`);
    const otherLive = `${runView(elsewhere.runId)} [data-testid=live-state]`;
    await page.waitForSelector(`${otherLive}[data-live=live]`);
    expect(await page.textContent(otherLive)).toBe("read from files (run on otherhost)");
    expect(await page.$(`${runView(elsewhere.runId)} .run-header .mark.other-host`)).not.toBeNull();
    // Cancelling is for the host the run lives on.
    expect(await page.$(`${runView(elsewhere.runId)} >> text=Cancel run`)).toBeNull();
    expect(await page.getAttribute("#reconnect-link", "title")).toBe(
      "0 runs available to reconnect",
    );
  });
});
