// A step that wrote 100 MB: its log opens on the tail at once, the page holds a few MB of it,
// and earlier parts come on request, never the whole capture.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGuiServer } from "../src/index.js";
import { hasChromium, launchChromium } from "./browser.js";

const MB = 1024 * 1024;
let scratch: string;
let runsRoot: string;
let runId: string;
let captureSize: number;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-biglog-"));
  runsRoot = join(scratch, "runs");
  // 100 MiB of numbered 64-byte lines, then a last line to look for.
  const result = await runWorkflow({
    workflowFile: join(scratch, "big.yaml"),
    workflowSource: `name: big-log
steps:
  flood:
    run: |
      seq -f '%063.0f' 1 1638400
      echo the-very-last-line
`,
    runsRoot,
  });
  runId = result.runId;
  captureSize = statSync(join(result.runDirectory, "000001-flood.out")).size;
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasChromium)("a 100 MB capture in the browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("opens on the tail, keeps the page light, and reads earlier parts on request", async () => {
    expect(captureSize).toBeGreaterThan(100 * MB);
    const gui = await startGuiServer({ runsRoot });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const received: number[] = [];
      page.on("response", (response) => {
        if (response.url().includes("/captures?")) {
          received.push(Number(response.headers()["content-length"] ?? 0));
        }
      });
      await page.goto(gui.url);
      await page.click(`#runs tbody tr[data-run-id="${runId}"]`);
      await page.click(`.run-view[data-run-id="${runId}"] [data-step-id="flood"]`);
      const log = page.locator(`[data-step-panel="flood"] pre.log-text`);
      await log.filter({ hasText: "the-very-last-line" }).waitFor();
      expect(await page.textContent(`[data-step-panel="flood"] .log-range`)).toMatch(
        /^last 256 KiB of 100 MiB$/,
      );
      const shown = await log.evaluate((element) => element.textContent ?? "");
      // It starts on a whole line and follows the tail: the last line is in view.
      expect(shown.split("\n")[0]).toMatch(/^\d{63}$/);
      expect(
        await log.evaluate(
          (element) => element.scrollTop + element.clientHeight >= element.scrollHeight - 8,
        ),
      ).toBe(true);
      await page.getByRole("button", { name: "Show earlier" }).click();
      await expect
        .poll(() => log.evaluate((element) => element.textContent?.length ?? 0))
        .toBeGreaterThan(shown.length);
      const earlier = await log.evaluate((element) => element.textContent ?? "");
      expect(earlier.endsWith(shown)).toBe(true);
      expect(earlier.split("\n")[0]).toMatch(/^\d{63}$/);
      // What crossed the wire: two ranges of 256 KiB and a few empty reads, not 100 MB.
      expect(received.reduce((sum, bytes) => sum + bytes, 0)).toBeLessThan(2 * MB);
      const heap = await page.evaluate(
        () =>
          (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory
            ?.usedJSHeapSize ?? 0,
      );
      expect(heap).toBeGreaterThan(0);
      expect(heap).toBeLessThan(64 * MB);
    } finally {
      await gui.close();
    }
  });
});
