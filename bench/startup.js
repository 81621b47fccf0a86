// Start-up of a one-step workflow: `runyard run` (the CLI launches a detached executor and
// watches it over ipc.sock) against the in-process executor it replaced (runWorkflow in the
// CLI's own process, as before) and against `node -e 0`, the floor of any Node command. Each
// variant is a fresh process timed wall-clock to its exit; variants take turns in rotating
// order so machine load hits them alike, and each reports its median. RUNYARD_BENCH_STARTUP
// sets the rounds (default 15).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../apps/cli/dist/bundle/runyard.js", import.meta.url));
const IN_PROCESS = fileURLToPath(new URL("./startup-in-process.js", import.meta.url));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function timed(args, env) {
  const began = performance.now();
  const result = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const elapsed = performance.now() - began;
  if (result.status !== 0) {
    throw new Error(`${args.join(" ")} exited ${result.status}: ${result.stderr.toString()}`);
  }
  return elapsed;
}

export function runStartupBench({ rounds }) {
  const directory = mkdtempSync(join(tmpdir(), "runyard-bench-startup-"));
  try {
    const file = join(directory, "one.yaml");
    writeFileSync(file, "name: one\nsteps:\n  one:\n    run: 'true'\n");
    const env = { ...process.env, RUNYARD_RUNS_DIR: join(directory, "runs"), NO_COLOR: "1" };
    const variants = {
      node: ["-e", "0"],
      inProcess: [IN_PROCESS, file],
      run: [CLI, "run", file, "-q"],
      detach: [CLI, "run", "-d", file, "-q"],
    };
    const names = Object.keys(variants);
    const samples = Object.fromEntries(names.map((name) => [name, []]));
    timed(variants.run, env); // warm the file cache once
    for (let round = 0; round < rounds; round += 1) {
      for (let turn = 0; turn < names.length; turn += 1) {
        const name = names[(round + turn) % names.length];
        samples[name].push(timed(variants[name], env));
      }
    }
    return Object.fromEntries(names.map((name) => [name, median(samples[name])]));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
