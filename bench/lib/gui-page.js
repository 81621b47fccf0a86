// The browser side of the GUI benchmark: Debian's Chromium through playwright-core, launched
// with the flags of apps/gui/test/browser.ts (TypeScript, which Node 20 cannot load here:
// keep the two alike). Every timing is taken inside the page (performance.now(),
// Date.now()), so the round trips of the driver (CDP) are not part of any number.
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.RUNYARD_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium() {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run tooling/browser/install-chromium.sh (or set RUNYARD_CHROMIUM)`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}

const rowSelector = (runId) => `#runs tbody tr[data-run-id="${runId}"]`;

/**
 * A fresh page (its own context: no sessionStorage, no cache) on the runs list, with the
 * reconnect dialog skipped when the list holds runs it offers (running or failed ones).
 */
export async function openRunsPage(browser, url, { runId, dialog, blocked }) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  // The client's cleanup policy removes a run its tab saw end (success, cancelled) when no
  // settings say otherwise; the bench's runs must stay. Only `api/runs/<id>` is intercepted
  // (a run's detail and DELETE), never the live channel or the list.
  await page.route("**/api/runs/*", (route) => {
    if (route.request().method() !== "DELETE") return route.continue();
    blocked?.push(route.request().url());
    return route.abort();
  });
  await page.goto(url);
  await page.waitForSelector(rowSelector(runId), { timeout: 30_000 }).catch(async (error) => {
    const text = await page.evaluate(() => document.body.textContent?.slice(0, 2000));
    throw new Error(`${error.message}\npage text: ${text}`);
  });
  if (dialog) await page.click('dialog.reconnect[open] button:text-is("Skip")', { timeout: 5000 });
  await page.waitForFunction(() => !document.querySelector("dialog[open]"));
  return { page, close: () => context.close() };
}

/**
 * Clicks a run's row and times, from the click, its tab's DAG to `count` nodes in the DOM
 * (a MutationObserver: React's commit) and to the frame after it (rAF, then a task: style,
 * layout and paint of that frame done). Also says what the tab's live channel said then.
 */
export async function timeDagRender(page, runId, count) {
  await page.evaluate(
    ({ runId, count }) => {
      const bench = {};
      window.__bench = bench;
      const nodes = `.run-view[data-run-id="${runId}"] [data-step-id]`;
      document.addEventListener("click", () => (bench.clickAt = performance.now()), {
        capture: true,
        once: true,
      });
      const observer = new MutationObserver(() => {
        if (document.querySelectorAll(nodes).length < count) return;
        observer.disconnect();
        bench.domAt = performance.now();
        requestAnimationFrame(() => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => {
            bench.paintAt = performance.now();
            bench.live = document.querySelector(
              `.run-view[data-run-id="${runId}"] [data-testid="live-state"]`,
            )?.dataset.live;
          };
          channel.port2.postMessage(0);
        });
      });
      observer.observe(document.body, { childList: true, subtree: true });
    },
    { runId, count },
  );
  await page.click(rowSelector(runId));
  await page.waitForFunction(() => window.__bench.paintAt !== undefined, null, {
    timeout: 120_000,
  });
  const bench = await page.evaluate(() => window.__bench);
  return {
    domMs: bench.domAt - bench.clickAt,
    paintMs: bench.paintAt - bench.clickAt,
    live: bench.live,
  };
}

/**
 * Opens a run's tab, waits for its `count` nodes, then records Date.now() at every change
 * of a node's data-status (a MutationObserver on the attribute), until stopRecording().
 */
export async function recordStatusChanges(page, runId, count) {
  await page.click(rowSelector(runId));
  const nodes = `.run-view[data-run-id="${runId}"] [data-step-id]`;
  await page.waitForFunction(
    ({ nodes, count }) => document.querySelectorAll(nodes).length >= count,
    { nodes, count },
    { timeout: 60_000 },
  );
  const since = await page.evaluate((runId) => {
    const changes = [];
    window.__changes = changes;
    const svg = document.querySelector(`.run-view[data-run-id="${runId}"] svg`);
    new MutationObserver((records) => {
      const at = Date.now();
      for (const record of records) {
        const target = record.target;
        changes.push([target.dataset.stepId, target.dataset.status, at]);
      }
    }).observe(svg, { attributes: true, attributeFilter: ["data-status"], subtree: true });
    return Date.now();
  }, runId);
  return {
    since,
    stopRecording: () => page.evaluate(() => window.__changes),
  };
}

/** From navigation start to the runs table rendered (data-loaded set and rows in the DOM). */
export async function timeRunsPage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(url);
    const handle = await page.waitForFunction(
      () =>
        document.body.dataset.loaded === "true" &&
        document.querySelector("#runs tbody tr") !== null && {
          at: performance.now(),
          rows: document.querySelectorAll("#runs tbody tr").length,
        },
      null,
      { polling: "raf", timeout: 60_000 },
    );
    return await handle.jsonValue();
  } finally {
    await context.close();
  }
}
