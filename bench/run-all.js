// One command for every Runyard benchmark: `pnpm bench` at the root (builds first), or
// `pnpm --filter @runyard/bench bench` after a build. Times Runyard against the floor and
// the peers from Debian on the workloads of issue 8 (docs/performance.md), then, in a full
// run, the package benchmarks. Exits 0 whatever the timings; 1 only when the bench broke.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runGuiBench } from "./gui.js";
import { describeMachine, loadAverage } from "./lib/machine.js";
import { BenchInterrupted, SAMPLE_INTERVAL_MS } from "./lib/measure.js";
import { ensurePeers } from "./lib/peers.js";
import { runWorkload } from "./lib/runner.js";
import { formatMiB, formatRatio, formatTime, renderTable } from "./lib/stats.js";
import { WORKLOADS } from "./lib/workloads.js";
import { runPackageBenches } from "./package-benches.js";
import { runSlurmBench } from "./slurm.js";

const HELP = `Usage: pnpm bench [options]    (or: node bench/run-all.js [options])

Times whole processes (wall, CPU of the process tree, peak RSS of the tree), interleaved
round-robin after a warm-up, against each workload's floor; prints tables with the targets
of issue 8 and writes JSON to bench/results/. Nothing fails on a timing.

Options:
  --quick           Fewer rounds, smaller sizes, no 10,000-step run, no 1 GiB write, no
                    package benchmarks, the GUI bench in 2 repetitions and the Slurm bench
                    with 20 jobs (under 2 minutes on an idle 2-core machine, plus about one
                    for the GUI and one and a half for Slurm)
  --only <name>     Run one workload (repeatable): ${WORKLOADS.map((workload) => workload.name).join(", ")}, packages, gui, slurm
  --rounds <n>      Timed rounds per workload (default 5, 3 with --quick)
  --no-install      Do not apt-get missing peers; skip them
  --no-save         Do not write bench/results/*.json
  -h, --help        This text

Workloads: docs/performance.md.`;

const CLI = fileURLToPath(new URL("../apps/cli/dist/bundle/runyard.js", import.meta.url));
const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));

function main() {
  // `pnpm … bench -- --quick` hands the `--` on; it means nothing here.
  const args = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === "--"));
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      rounds: { type: "string" },
      "no-install": { type: "boolean", default: false },
      "no-save": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const names = new Set([
    ...WORKLOADS.map((workload) => workload.name),
    "packages",
    "gui",
    "slurm",
  ]);
  for (const name of values.only ?? []) {
    if (!names.has(name))
      throw new Error(`--only ${name}: no such workload (${[...names].join(", ")})`);
  }
  const quick = values.quick;
  const only = values.only ? new Set(values.only) : null;
  const rounds = values.rounds === undefined ? (quick ? 3 : 5) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds ${values.rounds}: a whole number ≥ 1`);
  const chosen = WORKLOADS.filter((workload) =>
    only ? only.has(workload.name) : !(quick && workload.full),
  );
  return runAll({
    quick,
    chosen,
    rounds,
    install: !values["no-install"],
    save: !values["no-save"],
    packages: only ? only.has("packages") : !quick,
    gui: only ? only.has("gui") : true,
    slurm: only ? only.has("slurm") : true,
  });
}

function printWorkload(title, result, targets) {
  const header = [
    "candidate",
    "wall median",
    "wall min–max",
    "× floor",
    "CPU median",
    "CPU × floor",
    "peak RSS (tree)",
  ];
  const rows = Object.entries(result.candidates).map(([name, summary]) => {
    const label = summary.floor ? `${name} (floor)` : name;
    if (summary.failed) return [label, "failed", "", "", "", "", ""];
    return [
      label,
      formatTime(summary.wallMs.median),
      `${formatTime(summary.wallMs.min)}–${formatTime(summary.wallMs.max)}`,
      formatRatio(summary.wallRatio),
      formatTime(summary.cpuMs.median),
      formatRatio(summary.cpuRatio),
      formatMiB(summary.peakRssKb.median),
    ];
  });
  console.log(`\n${title}`);
  console.log(renderTable(header, rows, new Set([1, 3, 4, 5, 6])));
  for (const [name, summary] of Object.entries(result.candidates)) {
    if (summary.failed) console.log(`  ${name} failed: ${summary.failed}`);
  }
  for (const target of targets)
    console.log(`  target: ${target.text} — ${target.met ? "met" : "NOT MET"}`);
}

async function runAll({ quick, chosen, rounds, install, save, packages, gui, slurm }) {
  const machine = describeMachine();
  const startedAt = new Date();
  console.log(
    `runyard bench${quick ? " --quick" : ""}: ${rounds} interleaved rounds after a warm-up; ${machine.cpus} CPUs, node ${machine.node}` +
      `${machine.nodeExtraCaCerts ? ", NODE_EXTRA_CA_CERTS set (every Node start pays for it)" : ""}; load average ${machine.loadAverageAtStart.join(" ")}`,
  );
  const log = (line) => console.log(line);
  const peers = chosen.some((workload) =>
    ["fan-out", "chain", "write-1g", "one-step"].includes(workload.name),
  )
    ? ensurePeers(["parallel", "make", "snakemake"], { install, log })
    : {};
  for (const [name, peer] of Object.entries(peers)) {
    console.log(`  peer ${name}: ${peer.available ? peer.version : `skipped — ${peer.reason}`}`);
  }
  const root = mkdtempSync(join(tmpdir(), "runyard-bench-"));
  // Ctrl-C ends the timed command (same process group); the temporary directory goes too.
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      rmSync(root, { recursive: true, force: true });
      process.exit(130);
    });
  }
  const env = { ...process.env, NO_COLOR: "1" };
  const context = { quick, peers, cli: CLI, env, root };
  const workloads = {};
  let broken = false;
  try {
    for (const workload of chosen) {
      const title = workload.title(quick);
      console.log(`\n${title}…`);
      const began = performance.now();
      const result = runWorkload(workload, context, { rounds, warmUp: 1, log });
      result.title = title;
      result.perStep = workload.perStep?.(context);
      result.seconds = Number(((performance.now() - began) / 1000).toFixed(1));
      workloads[workload.name] = result;
      result.targets = workload.targets(result.candidates, workloads);
      printWorkload(title, result, result.targets);
      for (const [name, summary] of Object.entries(result.candidates)) {
        if (summary.failed && (summary.floor || name.startsWith("runyard"))) broken = true;
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const targets = Object.values(workloads).flatMap((result) => result.targets);
  if (targets.length > 0) {
    console.log(
      `\ntargets: ${targets.filter((target) => target.met).length} of ${targets.length} met`,
    );
    for (const target of targets)
      console.log(`  ${target.met ? "met    " : "NOT MET"}  ${target.text}`);
  }
  if (save && chosen.length > 0) {
    mkdirSync(RESULTS, { recursive: true });
    const date = startedAt.toISOString().slice(0, 10);
    const file = join(RESULTS, `${date}-${machine.host}${quick ? "-quick" : ""}.json`);
    const report = {
      startedAt: startedAt.toISOString(),
      quick,
      rounds,
      sampleIntervalMs: SAMPLE_INTERVAL_MS,
      machine: { ...machine, loadAverageAtEnd: loadAverage() },
      peers,
      workloads,
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten: ${file}`);
  }
  if (packages) {
    console.log("\npackage benchmarks");
    await runPackageBenches();
  }
  if (gui) {
    console.log("");
    await runGuiBench({ quick, save });
  }
  if (slurm) {
    console.log("");
    await runSlurmBench({ quick, save });
  }
  return broken ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  // Interrupted: the `finally` above removed the temporary directory on the way out.
  console.error(`bench: ${error.message}`);
  process.exitCode = error instanceof BenchInterrupted ? 130 : 1;
}
