// What the GUI benchmark runs against: DAG-shaped workflows, a `runyard gui` server of its
// own (a separate process, as users run it, so the bench's browser driver never shares its
// event loop), runs started through the CLI, and the API calls the bench makes itself.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { runIdAt } from "./fixtures.js";

const quote = (script) => `'${script.replaceAll("'", "''")}'`;

/**
 * A workflow shaped like a per-sample pipeline: four roots (prepare), each sample a chain of
 * five steps (fetch → align → sort → call → qc) whose first needs one root, a merge per ten
 * samples (a join of ten chain ends), one report joining the merges, and publish steps fanning
 * out of the report to make up `count`. `script(id, index)` is each step's command.
 */
export function dagWorkflow(name, count, script) {
  const roots = 4;
  const chain = ["fetch", "align", "sort", "call", "qc"];
  const samples = Math.floor((count - roots - 1) / (chain.length + 0.1));
  const steps = [];
  const add = (id, needs) => steps.push({ id, needs });
  for (let root = 0; root < roots; root += 1) add(`prepare-${root}`, []);
  const ends = [];
  for (let sample = 0; sample < samples; sample += 1) {
    const tag = String(sample).padStart(3, "0");
    chain.forEach((stage, index) => {
      add(
        `${stage}-${tag}`,
        index === 0 ? [`prepare-${sample % roots}`] : [`${chain[index - 1]}-${tag}`],
      );
    });
    ends.push(`qc-${tag}`);
  }
  const merges = [];
  for (let first = 0; first < ends.length; first += 10) {
    merges.push(`merge-${merges.length}`);
    add(merges.at(-1), ends.slice(first, first + 10));
  }
  add("report", merges);
  for (let extra = 0; steps.length < count; extra += 1) add(`publish-${extra}`, ["report"]);
  if (steps.length !== count) throw new Error(`dagWorkflow: ${steps.length} steps, not ${count}`);
  const lines = [`name: ${name}`, "steps:"];
  steps.forEach(({ id, needs }, index) => {
    lines.push(`  ${id}:`, `    run: ${quote(script(id, index))}`);
    if (needs.length > 0) lines.push(`    needs: [${needs.join(", ")}]`);
  });
  return { yaml: `${lines.join("\n")}\n`, roots: steps.slice(0, roots).map((step) => step.id) };
}

/** `runyard gui` on a free port; resolves once it printed its URL. close() is its Ctrl-C. */
export async function startGui({ cli, env, runsRoot, cpuProf }) {
  const args = [...(cpuProf ? [`--cpu-prof`, `--cpu-prof-dir=${cpuProf}`] : [])];
  const child = spawn(process.execPath, [...args, cli, "gui", "--runs-dir", runsRoot], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const url = await new Promise((resolvePromise, reject) => {
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const line = stdout.match(/^(http:\S+)\n/m);
      if (line) resolvePromise(line[1]);
    });
    child.once("exit", (code) => reject(new Error(`runyard gui exited ${code}: ${stderr}`)));
  });
  const parsed = new URL(url);
  const token = new URLSearchParams(parsed.hash.slice(1)).get("token");
  const base = `${parsed.protocol}//${parsed.host}`;
  const exited = new Promise((resolvePromise) => child.once("exit", resolvePromise));
  return {
    url,
    base,
    token,
    pid: child.pid,
    /** A JSON API call, as a script would make it (no Origin: not a browser). */
    async api(path, init = {}) {
      const response = await fetch(`${base}/api/${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...init.headers },
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${init.method ?? "GET"} /api/${path}: ${text}`);
      return { text, json: () => JSON.parse(text) };
    },
    async close() {
      child.kill("SIGINT");
      await exited;
    },
  };
}

/** A run of `workflowFile`, detached (`runyard run -d --json`): its id once it started. */
export function startRun({ cli, env, runsRoot, workflowFile, maxParallel }) {
  const args = [cli, "run", "-d", "--json", workflowFile, "--runs-dir", runsRoot];
  if (maxParallel) args.push("--max-parallel", String(maxParallel));
  const started = spawnSync(process.execPath, args, { env, encoding: "utf8" });
  if (started.status !== 0) throw new Error(`runyard run -d: ${started.stderr}`);
  return JSON.parse(started.stdout).runId;
}

/** A run to its end, attached (`runyard run -q --json`): its id. */
export function runToEnd({ cli, env, runsRoot, workflowFile, maxParallel }) {
  const args = [cli, "run", "-q", "--json", workflowFile, "--runs-dir", runsRoot];
  if (maxParallel) args.push("--max-parallel", String(maxParallel));
  const ran = spawnSync(process.execPath, args, { env, encoding: "utf8" });
  if (ran.status !== 0) throw new Error(`runyard run: ${ran.stderr}`);
  return JSON.parse(ran.stdout).runId;
}

/** Polls GET /api/runs/:id until the run is no longer running (or `timeoutMs` passed). */
export async function waitEnded(gui, runId, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { run } = (await gui.api(`runs/${runId}`)).json();
    if (run.state !== "running") return run.state;
    await sleep(250);
  }
  throw new Error(`run ${runId} still running after ${timeoutMs} ms`);
}

/** Cancels a live run through the API and waits for its executor to finish it. */
export async function cancelRun(gui, runId) {
  await gui.api(`runs/${runId}/cancel`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ force: true }),
  });
  return waitEnded(gui, runId, 30_000);
}

/**
 * Copies of one real ended run (`templateRun`, a run directory) under `runsRoot`, `count` of
 * them, a minute apart, with fresh run ids written into their files. Only what a listing
 * reads (meta.json, status.json, run_summary.jsonl, whose size meta.json records) and the
 * workflow copy: captures are never read by GET /api/runs, and 30 files a run would make
 * writing 10,000 runs take longer than measuring them.
 */
export function copyRuns({ templateRun, runsRoot, count }) {
  const templateId = templateRun.split("/").at(-1);
  const files = ["meta.json", "status.json", "run_summary.jsonl", "workflow.yaml"].map((name) => ({
    name,
    text: readFileSync(join(templateRun, name), "latin1"),
  }));
  mkdirSync(runsRoot, { recursive: true });
  const start = Date.now() - count * 60_000;
  for (let index = 0; index < count; index += 1) {
    const runId = runIdAt(start + index * 60_000);
    const run = join(runsRoot, runId);
    mkdirSync(run);
    for (const file of files)
      writeFileSync(join(run, file.name), file.text.replaceAll(templateId, runId), "latin1");
  }
}
