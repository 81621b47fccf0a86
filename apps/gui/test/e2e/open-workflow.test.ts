// Starting a run from Chromium: open a workflow file by its path, see its DAG and its params,
// fill them in and Run; the run's tab opens and its nodes change colour as the run goes. A
// workflow with a mistake shows its problems with their lines, and cannot be run.
import { describe, expect, it } from "vitest";
import { hasChromium } from "../browser.js";
import {
  gateScript,
  inspectWorkflow,
  node,
  openGate,
  openGui,
  runView,
  screenshot,
  useE2e,
  waitForText,
  writeWorkflow,
} from "./harness.js";

describe.skipIf(!hasChromium)("opening a workflow", () => {
  const e2e = useE2e("open");

  it("previews a workflow, takes its params and runs it; the DAG follows the run live", async () => {
    const scratch = e2e.scratch();
    const hello = scratch.gate("hello");
    const after = scratch.gate("after");
    const workflow = writeWorkflow(scratch, "greet", [
      "name: greet",
      "params:",
      "  greeting: { description: what hello says }",
      "  times: { type: number, default: 2 }",
      "steps:",
      `  hello: { run: 'echo "$greeting x$times"; ${gateScript(hello)}' }`,
      `  after: { run: '${gateScript(after)}', needs: hello }`,
    ]);
    const gui = await e2e.startGui(scratch);
    const page = await e2e.newPage();
    await openGui(page, gui);

    await page.click("button[data-tab=open]");
    await page.fill("#workflow-path", workflow);
    await page.click(".open-workflow button:text-is('Open')");
    await page.waitForSelector(".open-workflow [data-testid=validation]:text-is('valid')");
    const preview = ".open-workflow .dag";
    expect(
      await page.$$eval(`${preview} [data-step-id]`, (nodes) =>
        nodes.map((element) => element.getAttribute("data-step-id")),
      ),
    ).toEqual(["hello", "after"]);
    expect(await page.inputValue("#param-greeting")).toBe("");
    expect(await page.inputValue("#param-times")).toBe("2");
    await page.fill("#param-greeting", "hi from the form");
    await page.fill("#param-times", "3");
    await page.click(".open-workflow button:text-is('Run')");

    const view = await page.waitForSelector(".run-view:not([hidden])");
    const runId = (await view.getAttribute("data-run-id")) ?? "";
    expect(await page.getAttribute(`#tab-${runId}`, "aria-selected")).toBe("true");
    await page.waitForSelector(node(runId, "hello", "running"));
    expect(await page.getAttribute(node(runId, "after"), "data-status")).toBe("pending");
    await page.click(node(runId, "hello"));
    await waitForText(page, `${runView(runId)} pre.log-text`, "hi from the form x3");

    openGate(hello);
    await page.waitForSelector(node(runId, "after", "running"));
    expect(await page.getAttribute(node(runId, "hello"), "data-status")).toBe("completed");
    openGate(after);
    await page.waitForSelector(node(runId, "after", "completed"));
  });

  it("lists a workflow's problems with their lines, and will not run it", async () => {
    const scratch = e2e.scratch();
    const workflow = writeWorkflow(scratch, "broken", [
      "name: broken",
      "steps:",
      "  build: { run: 'echo build' }",
      "  test: { run: 'echo test', needs: biuld }",
    ]);
    const gui = await e2e.startGui(scratch);
    const page = await e2e.newPage();
    await openGui(page, gui);
    await inspectWorkflow(page, workflow);
    const problems = await page.$$eval("ul.problems li", (items) =>
      items.map((item) => [item.getAttribute("data-line"), item.textContent]),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.[0]).toBe("4");
    expect(problems[0]?.[1]).toContain(`${workflow}:4:`);
    expect(problems[0]?.[1]).toContain("biuld");
    expect(await page.textContent("[data-testid=validation]")).toBe("1 problem");
    expect(await page.isDisabled(".open-workflow button:text-is('Run')")).toBe(true);
    // The DAG is still shown, as well as it can be read.
    expect(await page.$$eval(".open-workflow .dag [data-step-id]", (nodes) => nodes.length)).toBe(
      2,
    );
    await screenshot(page, "open-workflow-problems");
  });
});
