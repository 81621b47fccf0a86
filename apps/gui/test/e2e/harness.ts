// What the GUI's end-to-end browser tests share: one Chromium per file, and per test a scratch
// runs root and RUNYARD_HOME (never the user's), GUI servers on them, real detached runs whose
// steps wait on gate files (so a test decides when a step moves on, and never waits on a
// clock), pages at 1280×720, and screenshots under apps/gui/.test-output/screenshots/.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type LaunchedRun, launchRun } from "@runyard/executor";
import { readRun } from "@runyard/store";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type GuiServer, type GuiServerOptions, startGuiServer } from "../../src/index.js";
import { launchChromium } from "../browser.js";

export const VIEWPORT = { width: 1280, height: 720 };
export const SCREENSHOTS = resolve(import.meta.dirname, "../../.test-output/screenshots");

export interface Scratch {
  directory: string;
  runsRoot: string;
  home: string;
  /** The environment of the GUI server and of the runs the test starts. */
  env: NodeJS.ProcessEnv;
  /** A file a step waits for (see gateScript); every gate is opened after the test. */
  gate(name: string): string;
  gates: string[];
}

export interface E2e {
  readonly browser: Browser;
  /** A fresh runs root and RUNYARD_HOME for this test. */
  scratch(): Scratch;
  /** A GUI server on the scratch, closed after the test. */
  startGui(scratch: Scratch, options?: Partial<GuiServerOptions>): Promise<GuiServer>;
  /** A page at 1280×720 in a fresh context (its own sessionStorage), closed after the test. */
  newPage(options?: { colorScheme?: "light" | "dark" }): Promise<Page>;
  /**
   * Launches the workflow, starts a GUI server and opens a page on it, whose reconnect dialog
   * opens the run's tab: a user watching the run from (nearly) its start.
   */
  watch(
    scratch: Scratch,
    workflowFile: string,
  ): Promise<{ run: LaunchedRun; gui: GuiServer; page: Page }>;
}

/** A file a step waits for: the step moves on once the test writes it. */
export function gateScript(gate: string): string {
  return `while [ ! -e ${gate} ]; do sleep 0.05; done`;
}

export function openGate(gate: string): void {
  writeFileSync(gate, "");
}

export function writeWorkflow(scratch: Scratch, name: string, lines: string[]): string {
  const file = join(scratch.directory, `${name}.yaml`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

export async function launch(
  scratch: Scratch,
  workflowFile: string,
  env: NodeJS.ProcessEnv = scratch.env,
): Promise<LaunchedRun> {
  return launchRun({ workflowFile, runsRoot: scratch.runsRoot, env, cwd: scratch.directory });
}

/** Opens the GUI with its token and waits for the runs list. */
export async function openGui(page: Page, gui: GuiServer): Promise<void> {
  await page.goto(gui.url);
  await page.waitForSelector("body[data-loaded=true]");
}

/** Types a workflow's path in the Open workflow tab, presses Enter and waits for the check. */
export async function inspectWorkflow(page: Page, workflowFile: string): Promise<void> {
  await page.click("button[data-tab=open]");
  await page.fill("#workflow-path", workflowFile);
  await page.press("#workflow-path", "Enter");
  await page.waitForSelector(".open-workflow [data-testid=validation]");
}

export function runView(runId: string): string {
  return `.run-view[data-run-id="${runId}"]`;
}

export function node(runId: string, step: string, status?: string): string {
  return `${runView(runId)} [data-step-id="${step}"]${status ? `[data-status="${status}"]` : ""}`;
}

/** The reconnect dialog the GUI opens at start: reconnect to the runs it has chosen. */
export async function reconnectAtStart(page: Page): Promise<void> {
  await page.waitForSelector("dialog.reconnect[open]");
  await page.click("dialog.reconnect >> text=Reconnect selected");
  await page.waitForSelector("dialog.reconnect:not([open])", { state: "attached" });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** How wide the page scrolls: at 1280 wide it must not scroll sideways. */
export function scrollWidth(page: Page): Promise<number> {
  // A string: this file is typed for Node, without the DOM's globals.
  return page.evaluate<number>("document.scrollingElement.scrollWidth");
}

/** Waits until the element's text contains `text` (a live log, a notice). */
export async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).waitFor();
}

/**
 * Call at the top of a test file. Every gate is opened after each test, and each run the test
 * started is waited for (bounded) before its scratch goes, so no step outlives the file.
 */
export function useE2e(prefix: string): E2e {
  let browser: Browser | undefined;
  let root: string;
  let count = 0;
  const scratches: Scratch[] = [];
  const servers: GuiServer[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `runyard-e2e-${prefix}-`));
    browser = await launchChromium();
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
    for (const server of servers.splice(0)) await server.close().catch(() => undefined);
    for (const scratch of scratches.splice(0)) {
      for (const path of scratch.gates) openGate(path);
      await settle(scratch.runsRoot);
      rmSync(scratch.directory, { recursive: true, force: true });
    }
  });

  afterAll(async () => {
    await browser?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  return {
    get browser() {
      if (!browser) throw new Error("the browser is not launched yet");
      return browser;
    },
    scratch() {
      count += 1;
      const directory = join(root, String(count));
      const home = join(directory, "home");
      mkdirSync(home, { recursive: true });
      const scratch: Scratch = {
        directory,
        runsRoot: join(directory, "runs"),
        home,
        env: { ...process.env, RUNYARD_HOME: home },
        gates: [],
        gate(name) {
          const path = join(directory, `${name}.gate`);
          this.gates.push(path);
          return path;
        },
      };
      scratches.push(scratch);
      return scratch;
    },
    async startGui(scratch, options = {}) {
      const server = await startGuiServer({
        runsRoot: scratch.runsRoot,
        env: scratch.env,
        livePollMs: 100,
        ...options,
      });
      servers.push(server);
      return server;
    },
    async watch(scratch, workflowFile) {
      const run = await launch(scratch, workflowFile);
      const gui = await this.startGui(scratch);
      const page = await this.newPage();
      await openGui(page, gui);
      await reconnectAtStart(page);
      return { run, gui, page };
    },
    async newPage(options = {}) {
      if (!browser) throw new Error("the browser is not launched yet");
      const context = await browser.newContext({
        viewport: VIEWPORT,
        colorScheme: options.colorScheme ?? "light",
      });
      contexts.push(context);
      return context.newPage();
    },
  };
}

/** Waits (bounded) until no run under the root is running; a stuck one is left to its gate. */
async function settle(runsRoot: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(runsRoot).filter((name) => !name.startsWith("."));
  } catch {
    return;
  }
  const deadline = Date.now() + 15_000;
  for (const name of names) {
    for (;;) {
      let state: string;
      try {
        state = (await readRun(join(runsRoot, name))).classification;
      } catch {
        break;
      }
      if (state !== "running" || Date.now() > deadline) break;
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
    }
  }
}
