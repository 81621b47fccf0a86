// Runs one command under measure.pl (a child subreaper that reaps the whole process tree) and
// returns its wall time, the user + system CPU time of every process of the tree, and the tree's
// peak RSS. See measure.pl for how each is taken.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const HELPER = fileURLToPath(new URL("./measure.pl", import.meta.url));

/** How often the tree's RSS is sampled; a peak shorter than this can be missed. */
export const SAMPLE_INTERVAL_MS = 5;

export class BenchCommandError extends Error {
  constructor(command, detail) {
    super(`${command.join(" ")}: ${detail}`);
    this.name = "BenchCommandError";
  }
}

/**
 * Ctrl-C (or a TERM to the process group) reached the timed command: the bench stops. The
 * signal cannot be handled while a synchronous spawn blocks the event loop, so it is seen
 * here, in how the measuring helper ended.
 */
export class BenchInterrupted extends Error {
  constructor(signal) {
    super(`interrupted (${signal})`);
    this.name = "BenchInterrupted";
    this.signal = signal;
  }
}

/** One timed run of `command` (an argv array) in `cwd` with `env`. Throws if it fails. */
export function measure(command, { cwd, env }) {
  const result = spawnSync("perl", [HELPER, String(SAMPLE_INTERVAL_MS), ...command], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 2 ** 20,
  });
  if (result.error) throw new BenchCommandError(command, result.error.message);
  if (result.signal === "SIGINT" || result.signal === "SIGTERM")
    throw new BenchInterrupted(result.signal);
  const stderr = result.stderr.toString().trim();
  if (result.status !== 0) throw new BenchCommandError(command, `measure.pl failed: ${stderr}`);
  const sample = JSON.parse(result.stdout.toString());
  if (sample.exitCode !== 0 || sample.signal !== 0) {
    const how = sample.signal ? `signal ${sample.signal}` : `exit status ${sample.exitCode}`;
    throw new BenchCommandError(command, `${how}${stderr ? `: ${stderr.slice(-2000)}` : ""}`);
  }
  return {
    wallMs: sample.wallMs,
    cpuMs: sample.userMs + sample.systemMs,
    userMs: sample.userMs,
    systemMs: sample.systemMs,
    peakRssKb: sample.peakRssKb,
    largestProcessRssKb: sample.largestProcessRssKb,
    nodeProcesses: sample.nodeProcesses,
    // Until the last process of the tree was gone, when something outlived the command.
    treeMs: sample.treeMs,
  };
}
