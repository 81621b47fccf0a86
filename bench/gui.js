// The GUI in a real browser (Debian's Chromium through playwright-core) against `runyard gui`
// as users start it: (1) from a click on a run's row to its 1,000-step DAG on screen, for an
// ended and a live run, against a 100-step run as the baseline; (2) how long a step event takes
// from the executor to the DOM, in a live 1,000-step run; (3) the runs list with 10,000 runs:
// GET /api/runs cold and warm and the page's first render, against a runs root of 200 runs
// (what the page shows: same rows, 9,800 fewer directories). Runs by `run-all.js` (`--only
// gui`; a smaller variant with --quick) or alone: `node bench/gui.js [--quick] [--no-save]`.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  cancelRun,
  copyRuns,
  dagWorkflow,
  runToEnd,
  startGui,
  startRun,
  waitEnded,
} from "./lib/gui-fixtures.js";
import {
  CHROMIUM,
  launchChromium,
  openRunsPage,
  recordStatusChanges,
  timeDagRender,
  timeRunsPage,
} from "./lib/gui-page.js";
import { describeMachine, loadAverage } from "./lib/machine.js";
import { roundOrder } from "./lib/stats.js";

const CLI = fileURLToPath(new URL("../apps/cli/dist/bundle/runyard.js", import.meta.url));
const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));
const LATENCY_TARGET_MS = 100;

/** Nearest-rank percentile of numbers (p in 0–100). */
function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const summary = (values) => ({
  n: values.length,
  median: percentile(values, 50),
  p95: percentile(values, 95),
  min: Math.min(...values),
  max: Math.max(...values),
});
const ms = (value) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : "—");
const spread = (s) =>
  `median ${ms(s.median)}, p95 ${ms(s.p95)} (${ms(s.min)}–${ms(s.max)}, n=${s.n})`;

/** (1) Click on a run's row → its DAG's nodes all in the DOM, and painted. */
async function dagRender({ browser, gui, variants, reps, log, blocked }) {
  const samples = Object.fromEntries(variants.map((variant) => [variant.name, []]));
  const notLive = [];
  for (let round = -1; round < reps; round += 1) {
    for (const name of roundOrder(
      variants.map((variant) => variant.name),
      Math.max(round, 0),
    )) {
      const variant = variants.find((each) => each.name === name);
      const { page, close } = await openRunsPage(browser, gui.url, {
        runId: variant.runId,
        dialog: variant.dialog,
        blocked,
      });
      try {
        const timing = await timeDagRender(page, variant.runId, variant.count);
        if (variant.live && timing.live !== "live") notLive.push(`${name}: ${timing.live}`);
        // Round -1 warms up (the file cache, Chromium's code cache of nothing: each page is
        // fresh, but the machine's caches are not) and is not counted.
        if (round >= 0) samples[name].push(timing);
      } finally {
        await close();
      }
    }
    if (round >= 0) log(`  DAG render: round ${round + 1}/${reps} done`);
  }
  return { samples, notLive };
}

/** (2) Step event ts (run_summary.jsonl) → the DOM's data-status showing it. */
async function eventLatency({ browser, gui, env, runsRoot, workflowFile, gate, log, blocked }) {
  const runId = startRun({ cli: CLI, env, runsRoot, workflowFile, maxParallel: 8 });
  const { page, close } = await openRunsPage(browser, gui.url, { runId, dialog: true, blocked });
  try {
    const { since, stopRecording } = await recordStatusChanges(page, runId, 1000);
    writeFileSync(gate, ""); // the roots were waiting for it: the run starts now
    const began = Date.now();
    await waitEnded(gui, runId, 300_000);
    const seconds = (Date.now() - began) / 1000;
    await page.waitForTimeout(500); // the last lines on their way
    const changes = await stopRecording();
    const shown = new Map();
    for (const [stepId, status, at] of changes) {
      const key = `${stepId} ${status}`;
      if (!shown.has(key)) shown.set(key, at);
    }
    const text = readFileSync(join(runsRoot, runId, "run_summary.jsonl"), "utf8");
    const latencies = { start: [], end: [] };
    let eligible = 0;
    for (const line of text.split("\n")) {
      if (!line) continue;
      const event = JSON.parse(line);
      if (event.type !== "step-start" && event.type !== "step-end") continue;
      const ts = Date.parse(event.ts);
      if (ts < since) continue;
      eligible += 1;
      const status = event.type === "step-start" ? "running" : event.status;
      const at = shown.get(`${event.stepId} ${status}`);
      if (at !== undefined) latencies[event.type === "step-start" ? "start" : "end"].push(at - ts);
    }
    log(`  event latency: ${eligible} step events in ${seconds.toFixed(1)} s`);
    return { runId, seconds, eligible, changes: changes.length, ...latencies };
  } finally {
    await close();
  }
}

/** (3) GET /api/runs cold (first request of a fresh server) and warm; the page's first render. */
async function runsList({ browser, env, roots, rounds, warm, pages, log }) {
  const names = Object.keys(roots);
  const result = Object.fromEntries(
    names.map((name) => [name, { cold: [], warm: [], page: [], bytes: 0, rows: 0, total: 0 }]),
  );
  const get = async (gui) => {
    const began = performance.now();
    const { text } = await gui.api("runs");
    return { elapsed: performance.now() - began, text };
  };
  for (let round = 0; round < rounds; round += 1) {
    for (const name of roundOrder(names, round)) {
      const gui = await startGui({ cli: CLI, env, runsRoot: roots[name] });
      try {
        const first = await get(gui);
        result[name].cold.push(first.elapsed);
        const body = JSON.parse(first.text);
        Object.assign(result[name], {
          bytes: first.text.length,
          rows: body.runs.length,
          total: body.total,
        });
        for (let index = 0; index < warm; index += 1)
          result[name].warm.push((await get(gui)).elapsed);
      } finally {
        await gui.close();
      }
    }
  }
  log(`  runs list: ${rounds} server starts per root, ${warm} warm requests each`);
  const servers = {};
  try {
    for (const name of names)
      servers[name] = await startGui({ cli: CLI, env, runsRoot: roots[name] });
    for (let round = -1; round < pages; round += 1) {
      for (const name of roundOrder(names, Math.max(round, 0))) {
        const shown = await timeRunsPage(browser, servers[name].url);
        if (round >= 0) result[name].page.push(shown.at);
        result[name].pageRows = shown.rows;
      }
    }
  } finally {
    for (const gui of Object.values(servers)) await gui.close();
  }
  return result;
}

export async function runGuiBench({ quick = false, save = true } = {}) {
  if (!existsSync(CHROMIUM)) {
    console.log(
      `gui: skipped — Chromium not found at ${CHROMIUM} (tooling/browser/install-chromium.sh, or set RUNYARD_CHROMIUM)`,
    );
    return true;
  }
  const reps = quick ? 2 : 7;
  const started = new Date();
  const machine = describeMachine();

  console.log(
    `gui: Chromium (headless) against runyard gui, ${reps} interleaved repetitions after a warm-up, a fresh page each; ${machine.cpus} CPUs, node ${machine.node}` +
      `${machine.nodeExtraCaCerts ? ", NODE_EXTRA_CA_CERTS set (every Node start — the server, each runyard run — pays ~60 ms for it; no timed interval holds a Node start)" : ""}; load average ${machine.loadAverageAtStart.join(" ")}`,
  );
  const log = (line) => console.log(line);
  const scratch = mkdtempSync(join(tmpdir(), "runyard-bench-gui-"));
  const env = { ...process.env, RUNYARD_HOME: join(scratch, "home"), NO_COLOR: "1" };
  const runsRoot = join(scratch, "runs");
  const write = (name, workflow) => {
    const file = join(scratch, `${name}.yaml`);
    writeFileSync(file, workflow.yaml);
    return file;
  };
  const gate = join(scratch, "gate");
  const files = {
    small: write(
      "dag-100",
      dagWorkflow("dag-100", 100, () => "true"),
    ),
    large: write(
      "dag-1000",
      dagWorkflow("dag-1000", 1000, () => "true"),
    ),
    liveSmall: write(
      "live-100",
      dagWorkflow("live-100", 100, () => "sleep 2"),
    ),
    liveLarge: write(
      "live-1000",
      dagWorkflow("live-1000", 1000, () => "sleep 2"),
    ),
    // Steps of 50–200 ms, so that each one is seen running; the roots wait for the page.
    latency: write(
      "latency-1000",
      dagWorkflow("latency-1000", 1000, (_id, index) =>
        index < 4
          ? `while [ ! -e '${gate}' ]; do sleep 0.02; done`
          : `sleep 0.${String(5 + (index % 4) * 5).padStart(2, "0")}`,
      ),
    ),
  };
  const report = { startedAt: started.toISOString(), quick, reps, machine };
  const browser = await launchChromium();
  const live = [];
  let gui;
  try {
    // (1) DAG render.
    const ended = {
      small: runToEnd({ cli: CLI, env, runsRoot, workflowFile: files.small }),
      large: runToEnd({ cli: CLI, env, runsRoot, workflowFile: files.large }),
    };
    gui = await startGui({ cli: CLI, env, runsRoot });
    const liveSmall = startRun({
      cli: CLI,
      env,
      runsRoot,
      workflowFile: files.liveSmall,
      maxParallel: 1,
    });
    live.push(liveSmall);
    const liveLarge = startRun({
      cli: CLI,
      env,
      runsRoot,
      workflowFile: files.liveLarge,
      maxParallel: 8,
    });
    live.push(liveLarge);
    const variants = [
      { name: "100 steps, ended", runId: ended.small, count: 100 },
      { name: "1,000 steps, ended", runId: ended.large, count: 1000 },
      { name: "100 steps, live", runId: liveSmall, count: 100, live: true },
      { name: "1,000 steps, live", runId: liveLarge, count: 1000, live: true },
    ].map((variant) => ({ ...variant, dialog: true }));
    const blocked = [];
    const dag = await dagRender({ browser, gui, variants, reps, log, blocked });
    for (const runId of live.splice(0)) await cancelRun(gui, runId);
    report.dagRender = Object.fromEntries(
      Object.entries(dag.samples).map(([name, list]) => [
        name,
        {
          dom: summary(list.map((each) => each.domMs)),
          painted: summary(list.map((each) => each.paintMs)),
        },
      ]),
    );
    report.dagRender.notLive = dag.notLive;

    // (2) Event → DOM latency.
    const latency = await eventLatency({
      browser,
      gui,
      env,
      runsRoot,
      workflowFile: files.latency,
      gate,
      log,
      blocked,
    });
    // The latency run is one the tab saw running: its removal at the end is the policy's.
    report.cleanupDeletesBlocked = blocked.filter((url) => !url.endsWith(latency.runId)).length;
    report.latency = {
      seconds: latency.seconds,
      eligible: latency.eligible,
      domChanges: latency.changes,
      all: summary([...latency.start, ...latency.end]),
      start: summary(latency.start),
      end: summary(latency.end),
    };
    await gui.close();
    gui = undefined;

    // (3) The runs list.
    const template = write(
      "nightly",
      dagWorkflow("nightly", 12, (id) => `echo ${id} done`),
    );
    const roots = {
      "10,000 runs": join(scratch, "runs-10000"),
      "200 runs": join(scratch, "runs-200"),
    };
    const counts = { "10,000 runs": 10_000, "200 runs": 200 };
    const templateRoot = join(scratch, "template");
    const templateRun = join(
      templateRoot,
      runToEnd({ cli: CLI, env, runsRoot: templateRoot, workflowFile: template }),
    );
    const made = performance.now();
    for (const [name, root] of Object.entries(roots))
      copyRuns({ templateRun, runsRoot: root, count: counts[name] });
    log(
      `  runs list: ${counts["10,000 runs"] + 200} run directories written in ${((performance.now() - made) / 1000).toFixed(1)} s`,
    );
    const list = await runsList({
      browser,
      env,
      roots,
      rounds: quick ? 1 : 5,
      warm: quick ? 10 : 20,
      pages: reps,
      log,
    });
    report.runsList = Object.fromEntries(
      Object.entries(list).map(([name, each]) => [
        name,
        {
          total: each.total,
          rows: each.rows,
          pageRows: each.pageRows,
          bytes: each.bytes,
          cold: summary(each.cold),
          warm: summary(each.warm),
          page: summary(each.page),
        },
      ]),
    );
  } finally {
    for (const runId of live) await cancelRun(gui, runId).catch(() => {});
    await gui?.close();
    await browser.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  report.machine.loadAverageAtEnd = loadAverage();
  printReport(report);
  if (save) {
    mkdirSync(RESULTS, { recursive: true });
    const file = join(
      RESULTS,
      `${started.toISOString().slice(0, 10)}-${machine.host}-gui${quick ? "-quick" : ""}.json`,
    );
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`  written: ${file}`);
  }
  return report.latency.all.p95 <= LATENCY_TARGET_MS;
}

function printReport(report) {
  const dag = report.dagRender;
  const base = dag["100 steps, ended"].painted.median;
  console.log(
    "\n  (1) click on a run's row → its DAG: every node in the DOM / the frame after it painted",
  );
  for (const [name, each] of Object.entries(dag)) {
    if (name === "notLive") continue;
    const ratio = each.painted.median / base;
    console.log(
      `  ${name.padEnd(20)} DOM ${spread(each.dom)}; painted ${spread(each.painted)}  ${ratio.toFixed(1)}× the 100-step ended run`,
    );
  }
  if (dag.notLive.length) console.log(`  not live when rendered: ${dag.notLive.join("; ")}`);
  if (report.cleanupDeletesBlocked)
    console.log(
      `  the client's cleanup policy tried ${report.cleanupDeletesBlocked} times to remove an ended run it had only opened (blocked: the bench's runs stay)`,
    );
  const latency = report.latency;
  console.log(
    `\n  (2) step event → DOM, live 1,000-step run (steps of 50–200 ms, --max-parallel 8, ${latency.seconds.toFixed(1)} s): ` +
      "executor → ipc.sock → GUI server → HTTP stream → browser → React commit (MutationObserver; paint not included)",
  );
  console.log(
    `  matched ${latency.all.n} of ${latency.eligible} step-start/step-end events (a step that started and ended within one batch never shows running)`,
  );
  const line = (label, s) =>
    `  ${label.padEnd(11)} p50 ${ms(s.median)}, p95 ${ms(s.p95)}, max ${ms(s.max)} (n=${s.n})`;
  console.log(line("all", latency.all));
  console.log(line("step-start", latency.start));
  console.log(line("step-end", latency.end));
  const met = latency.all.p95 <= LATENCY_TARGET_MS;
  console.log(`  target: p95 <= ${LATENCY_TARGET_MS} ms  ${met ? "MET" : "NOT MET"}`);
  console.log("\n  (3) the runs list (OS page cache warm: the runs were just written)");
  for (const [name, each] of Object.entries(report.runsList)) {
    console.log(
      `  ${name.padEnd(12)} GET /api/runs (${each.rows} rows of ${each.total}, ${(each.bytes / 1024).toFixed(0)} KiB): cold ${spread(each.cold)}; warm ${spread(each.warm)}`,
    );
    console.log(
      `  ${"".padEnd(12)} page load → ${each.pageRows} rows rendered: ${spread(each.page)}`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      "no-save": { type: "boolean", default: false },
    },
  });
  try {
    await runGuiBench({ quick: values.quick, save: !values["no-save"] });
  } catch (error) {
    console.error(`bench gui: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  }
}
