// The workloads of issue 8's table: what each candidate runs, which one is the floor, and the
// targets. A workload's setup writes its files into its own directory and returns candidates;
// `before` runs outside the timing, before every timed run (clearing what the last one left).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makefile, makeRuns, snakefile, workflowYaml } from "./fixtures.js";

const GIB = 2 ** 30;
const clear =
  (...paths) =>
  () => {
    for (const path of paths) rmSync(path, { recursive: true, force: true });
  };

/** The floor of the graph workloads: `count` × `bash -c true` from xargs, `parallelism` at once. */
function xargsFloor(directory, count, parallelism) {
  const list = join(directory, "floor-list");
  writeFileSync(list, `${Array.from({ length: count }, () => "x").join("\n")}\n`);
  return {
    name: `xargs -P${parallelism} bash -c`,
    floor: true,
    command: ["xargs", "-a", list, `-P${parallelism}`, "-n1", "bash", "-c", "true"],
  };
}

/** The candidates every graph workload has: Runyard and the peers from Debian. */
function graphCandidates(context, directory, { count, parallelism, script, chain, redirect }) {
  const { cli, peers } = context;
  const workflow = join(directory, "workflow.yaml");
  writeFileSync(workflow, workflowYaml("bench", count, script, { chain }));
  writeFileSync(join(directory, "Makefile"), makefile(count, script, { chain }));
  writeFileSync(join(directory, "Snakefile"), snakefile(count, script, { chain, redirect }));
  const list = join(directory, "list");
  writeFileSync(list, `${Array.from({ length: count }, () => script).join("\n")}\n`);
  const runs = join(directory, "runs");
  const done = join(directory, "done");
  const candidates = [
    {
      name: "runyard",
      command: [process.execPath, cli, "run", workflow, "-q", "-j", String(parallelism)],
      env: { RUNYARD_RUNS_DIR: runs },
      before: clear(runs),
    },
  ];
  if (peers.parallel?.available && !redirect) {
    // parallel runs each line through $SHELL -c, as Runyard runs each step through bash -c.
    candidates.push({
      name: "GNU parallel",
      command: ["parallel", "--will-cite", `-j${parallelism}`, "-a", list],
      env: { SHELL: "/bin/bash" },
    });
  }
  if (peers.make?.available && !redirect) {
    candidates.push({ name: "make", command: ["make", "-s", `-j${parallelism}`] });
  }
  if (peers.snakemake?.available) {
    candidates.push({
      name: "Snakemake",
      // The greedy scheduler: the default (ILP) one is ~5× slower on 1,000 jobs.
      command: ["snakemake", "-q", "--cores", String(parallelism), "--scheduler", "greedy"],
      before: clear(done, join(directory, ".snakemake")),
    });
  }
  return candidates;
}

function overFloor(results, name, floor, limit, label) {
  const value = results[name]?.wallMs.median;
  const base = results[floor]?.wallMs.median;
  if (value === undefined || base === undefined) return [];
  return [{ text: `${name} ${label}`, met: value / base <= limit }];
}

function plusFloor(results, name, floor, extraMs, label) {
  const value = results[name]?.wallMs.median;
  const base = results[floor]?.wallMs.median;
  if (value === undefined || base === undefined) return [];
  return [{ text: `${name} ${label}`, met: value <= base + extraMs }];
}

export const WORKLOADS = [
  {
    name: "fan-out",
    title: (quick) => `fan-out ${quick ? 200 : 1000} × \`true\`, p=2`,
    setup(context, directory) {
      const count = context.quick ? 200 : 1000;
      return [
        xargsFloor(directory, count, 2),
        ...graphCandidates(context, directory, { count, parallelism: 2, script: "true" }),
      ];
    },
    targets: (results) =>
      overFloor(results, "runyard", "xargs -P2 bash -c", 1.5, "≤ 1.5× the bash floor"),
    perStep: (context) => (context.quick ? 200 : 1000),
  },
  {
    name: "chain",
    title: (quick) => `chain ${quick ? 100 : 300} × \`true\``,
    setup(context, directory) {
      const count = context.quick ? 100 : 300;
      return [
        xargsFloor(directory, count, 1),
        ...graphCandidates(context, directory, {
          count,
          parallelism: 1,
          script: "true",
          chain: true,
        }),
      ];
    },
    targets: (results) => overFloor(results, "runyard", "xargs -P1 bash -c", 2, "≤ 2× the floor"),
  },
  {
    name: "fan-out-10k",
    full: true,
    title: () => "10,000 × `true`, p=2",
    setup(context, directory) {
      const count = 10_000;
      const workflow = join(directory, "workflow.yaml");
      writeFileSync(workflow, workflowYaml("bench", count, "true"));
      const runs = join(directory, "runs");
      return [
        xargsFloor(directory, count, 2),
        {
          name: "runyard",
          command: [process.execPath, context.cli, "run", workflow, "-q", "-j", "2"],
          env: { RUNYARD_RUNS_DIR: runs },
          before: clear(runs),
        },
      ];
    },
    // Per step at 10k against per step at 1k (the fan-out workload of the same run).
    targets(results, all) {
      const large = results.runyard;
      const small = all["fan-out"]?.candidates.runyard;
      const out = [];
      if (large)
        out.push({ text: "runyard tree RSS < 150 MB", met: large.peakRssKb.median * 1024 < 150e6 });
      if (large && small) {
        const perLarge = large.wallMs.median / 10_000;
        const perSmall = small.wallMs.median / all["fan-out"].perStep;
        out.push({
          text: `runyard per step at 10k (${perLarge.toFixed(2)} ms) ≤ 1.2× at 1k (${perSmall.toFixed(2)} ms)`,
          met: perLarge <= 1.2 * perSmall,
        });
      }
      return out;
    },
    perStep: () => 10_000,
  },
  {
    // issue 9: "A loop of 10,000 items stays fast": one foreach step against as many steps
    // written out, and the xargs floor, interleaved.
    name: "foreach",
    title: (quick) => `foreach ${quick ? "1,000" : "10,000"} items against as many steps, p=2`,
    setup(context, directory) {
      const count = context.quick ? 1000 : 10_000;
      const steps = join(directory, "steps.yaml");
      writeFileSync(steps, workflowYaml("bench", count, "true"));
      const loop = join(directory, "loop.yaml");
      writeFileSync(
        loop,
        `name: loop\nsteps:\n  each:\n    foreach: "1-${count}"\n    run: "true"\n`,
      );
      const runs = join(directory, "runs");
      const run = (file) => [process.execPath, context.cli, "run", file, "-q", "-j", "2"];
      return [
        xargsFloor(directory, count, 2),
        {
          name: "runyard steps",
          command: run(steps),
          env: { RUNYARD_RUNS_DIR: runs },
          before: clear(runs),
        },
        {
          name: "runyard foreach",
          command: run(loop),
          env: { RUNYARD_RUNS_DIR: runs },
          before: clear(runs),
        },
      ];
    },
    targets: (results) => {
      const loop = results["runyard foreach"]?.wallMs.median;
      const steps = results["runyard steps"]?.wallMs.median;
      if (loop === undefined || steps === undefined) return [];
      return [
        { text: "runyard foreach ≤ 1.1× the same steps written out", met: loop <= 1.1 * steps },
      ];
    },
  },
  {
    name: "write-1g",
    full: true,
    title: () => "one step writing 1 GiB, captured",
    setup(context, directory) {
      const script = `head -c ${GIB} /dev/zero`;
      const out = join(directory, "out");
      return [
        {
          name: "cmd > file",
          floor: true,
          command: ["sh", "-c", `${script} > ${out}`],
          before: clear(out),
        },
        ...graphCandidates(context, directory, {
          count: 1,
          parallelism: 1,
          script,
          redirect: true,
        }),
      ];
    },
    targets: (results) => [
      ...overFloor(results, "runyard", "cmd > file", 1.25, "≤ 1.25× the floor"),
      ...(results.runyard
        ? [
            {
              text: "runyard tree RSS < 80 MB",
              met: results.runyard.peakRssKb.median * 1024 < 80e6,
            },
          ]
        : []),
    ],
  },
  {
    name: "one-step",
    title: () => "one-step workflow (`true`)",
    setup(context, directory) {
      return [
        { name: "node -e 0", floor: true, command: [process.execPath, "-e", "0"] },
        ...graphCandidates(context, directory, { count: 1, parallelism: 1, script: "true" }),
      ];
    },
    targets(results) {
      const runyard = results.runyard;
      if (!runyard || !results["node -e 0"]) return [];
      const nodes = runyard.nodeProcesses;
      return plusFloor(
        results,
        "runyard",
        "node -e 0",
        60 * nodes,
        `≤ node -e 0 + 60 ms × ${nodes} Node processes it starts`,
      );
    },
  },
  {
    name: "start-up",
    title: () => "`runyard --version` / `runyard ps` (20 runs)",
    setup(context, directory) {
      const runs = join(directory, "runs");
      const workflow = join(directory, "one.yaml");
      writeFileSync(workflow, workflowYaml("one", 1, "true"));
      makeRuns({ runsRoot: runs, count: 20, workflowFile: workflow, ...context });
      return [
        { name: "node -e 0", floor: true, command: [process.execPath, "-e", "0"] },
        { name: "runyard --version", command: [process.execPath, context.cli, "--version"] },
        {
          name: "runyard ps",
          command: [process.execPath, context.cli, "ps"],
          env: { RUNYARD_RUNS_DIR: runs },
        },
      ];
    },
    targets: (results) => [
      ...plusFloor(results, "runyard --version", "node -e 0", 40, "≤ node -e 0 + 40 ms"),
      ...plusFloor(results, "runyard ps", "node -e 0", 100, "≤ node -e 0 + 100 ms"),
    ],
  },
  {
    name: "step-log",
    title: (quick) => `a step calling \`runyard log\` ${quick ? 20 : 50} times`,
    setup(context, directory) {
      // Both run as a one-step workflow, so the difference is what the calls cost: the floor
      // starts that many bare Node processes, Runyard that many `runyard log` (a Node start, the
      // CLI, one request to the executor, which records the event).
      const calls = context.quick ? 20 : 50;
      const loop = (command) => `for i in $(seq ${calls}); do ${command}; done`;
      const floor = join(directory, "floor.yaml");
      const logs = join(directory, "logs.yaml");
      writeFileSync(floor, workflowYaml("floor", 1, loop(`${process.execPath} -e 0`)));
      writeFileSync(logs, workflowYaml("logs", 1, loop('runyard log "line $i"')));
      const runs = join(directory, "runs");
      const run = (workflow) => [process.execPath, context.cli, "run", workflow, "-q"];
      return [
        {
          name: `node -e 0 ×${calls} in a step`,
          floor: true,
          command: run(floor),
          env: { RUNYARD_RUNS_DIR: runs },
          before: clear(runs),
        },
        {
          name: `runyard log ×${calls} in a step`,
          command: run(logs),
          env: { RUNYARD_RUNS_DIR: runs },
          before: clear(runs),
        },
      ];
    },
    targets(results) {
      const name = Object.keys(results).find((key) => key.startsWith("runyard log"));
      const floor = Object.keys(results).find((key) => key.startsWith("node -e 0"));
      if (!name || !floor) return [];
      const calls = Number(/×(\d+)/.exec(name)?.[1]);
      return plusFloor(results, name, floor, 60 * calls, "≤ the floor + 60 ms a call");
    },
  },
  {
    name: "ps-all",
    title: (quick) => `\`runyard ps -n 0\` of ${quick ? "1,000" : "10,000"} runs`,
    setup(context, directory) {
      const count = context.quick ? 1000 : 10_000;
      const runs = join(directory, "runs");
      const workflow = join(directory, "one.yaml");
      writeFileSync(workflow, workflowYaml("one", 1, "true"));
      mkdirSync(runs);
      makeRuns({ runsRoot: runs, count, workflowFile: workflow, ...context });
      // The small files a listing of finished runs reads.
      const files = "\\( -name meta.json -o -name status.json -o -name heartbeat \\)";
      return [
        {
          name: "find + cat",
          floor: true,
          command: ["sh", "-c", `find ${runs} -mindepth 2 -maxdepth 2 ${files} -exec cat {} +`],
        },
        {
          name: "runyard ps -n 0",
          command: [process.execPath, context.cli, "ps", "-n", "0"],
          env: { RUNYARD_RUNS_DIR: runs },
        },
      ];
    },
    targets: (results) =>
      overFloor(results, "runyard ps -n 0", "find + cat", 1.5, "≤ 1.5× the floor"),
  },
];
