// The Slurm cluster the Slurm tests run against: the project's own (tooling/slurm/start-slurm.sh,
// which .ci/run starts), found by $SLURM_CONF or at its default place. Outside CI a missing
// cluster skips those tests with the reason printed; in CI (CI=true) it is an error.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SLURM_COMMANDS } from "../src/index.js";

const DEFAULT_CONF = "/tmp/runyard-slurm/slurm.conf";
export const SLURM_CONF = process.env.SLURM_CONF ?? DEFAULT_CONF;

function clusterAnswers(): boolean {
  if (!existsSync(SLURM_CONF)) return false;
  try {
    execFileSync("sinfo", ["-h"], {
      env: { ...process.env, SLURM_CONF },
      stdio: "ignore",
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

export const hasSlurm = clusterAnswers();
if (!hasSlurm) {
  const message = `no Slurm cluster answers at ${SLURM_CONF}: start one with tooling/slurm/start-slurm.sh (as root)`;
  if (process.env.CI) throw new Error(message);
  console.warn(`skipping Slurm tests: ${message}`);
}

/** The environment of a run against the test cluster: its config, and a quick poll. */
export function slurmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, SLURM_CONF, RUNYARD_SLURM_POLL_MS: "200", ...extra };
}

/** What Slurm says of a job: its state and exit code (scontrol, for MinJobAge). */
export function slurmJob(jobId: string): { state: string; exitCode: string } {
  const text = execFileSync("scontrol", ["show", "job", "-o", jobId], {
    env: { ...process.env, SLURM_CONF },
    encoding: "utf8",
  });
  return {
    state: /JobState=(\S+)/.exec(text)?.[1] ?? "",
    exitCode: /ExitCode=(\S+)/.exec(text)?.[1] ?? "",
  };
}

/** The ids of every job Slurm knows (queued, running or ended) whose name starts with `prefix`. */
export function slurmJobsNamed(prefix: string): string[] {
  const text = execFileSync("scontrol", ["show", "job", "-o"], {
    env: { ...process.env, SLURM_CONF },
    encoding: "utf8",
  });
  return text
    .split("\n")
    .filter((line) => /\bJobName=(\S+)/.exec(line)?.[1]?.startsWith(prefix))
    .map((line) => /^JobId=(\d+)/.exec(line)?.[1] ?? "")
    .sort((a, b) => Number(a) - Number(b));
}

/**
 * A directory for RUNYARD_SLURM_BIN whose Slurm commands are the real ones, but fail as an
 * unreachable controller makes them while `down` (a file path) exists: Slurm "down" at will,
 * for this run alone.
 */
export function flakySlurmBin(directory: string, down: string): string {
  mkdirSync(directory, { recursive: true });
  for (const command of SLURM_COMMANDS) {
    const real = execFileSync("bash", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim();
    writeFileSync(
      join(directory, command),
      `#!/bin/bash\nif [ -e "${down}" ]; then echo "${command}: error: Unable to contact slurm controller" >&2; exit 1; fi\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
  }
  return directory;
}
