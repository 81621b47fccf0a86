// Torn reads: 8 readers in tight loops while a 1,000-step run writes its directory. Six are
// worker threads reading through the built @runyard/store (meta.json, status.json, the
// timeline whole, the heartbeat, readRun's view with its tail check, the timeline's full
// check); two are loops of the built CLI (`ps --json`, `show --json`). Every read must parse:
// atomic replaces and whole-line appends leave a reader the old file or the new, and a torn
// last line is a write in progress, never an error, never damage.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { cli, REPO, useScratch } from "./support.js";

const scratch = useScratch("ry-torn-");

/** How long a reader may take to stop once its stdin ended: it is killed after that. */
const STOP_LIMIT_MS = 15_000;

/**
 * Readers still running: a test that fails or times out must not leave them reading (they
 * would load the machine for every test and measurement after it).
 */
const readers = new Set<ReturnType<typeof spawn>>();
afterEach(() => {
  for (const child of readers) child.kill("SIGKILL");
  readers.clear();
});

/**
 * How long the readers read. Unloaded, 1,000 steps take 5–10 s and the readers stop at the
 * run's end; on a slow or shared 2-core machine eight readers in tight loops starve the
 * executor, so they stop after this long, and the run then finishes on its own.
 */
const READ_WINDOW_MS = 45_000;

/** How long the run may take in all, readers or not. */
const RUN_LIMIT_MS = 240_000;

/** How much lower than the run the readers are scheduled (nice). */
const NICE = "10";

/** 1,000 steps that do nothing: a root, and 111 chains of 9 fanning out from it. */
function workflow(): string {
  const lines = ["name: torn-reads", "steps:", "  root:", "    run: 'true'"];
  for (let chain = 0; chain < 111; chain += 1) {
    for (let link = 0; link < 9; link += 1) {
      const needs = link === 0 ? "root" : `c${chain}-${link - 1}`;
      lines.push(`  c${chain}-${link}:`, "    run: 'true'", `    needs: [${needs}]`);
    }
  }
  return `${lines.join("\n")}\n`;
}

type ReaderKind = "meta" | "status" | "summary" | "heartbeat" | "view" | "timeline";

interface ReaderReport {
  kind: string;
  reads: number;
  failures: string[];
}

// Plain JavaScript for a reader process: it imports the BUILT packages, as an integrator would.
// It loops until its stdin closes, then prints its report as one JSON line.
const READER = `
const { kind, directory, runId, storeUrl, schemaUrl } = JSON.parse(process.env.TORN_READER);
(async () => {
  const store = await import(storeUrl);
  const schema = await import(schemaUrl);
  const paths = store.runPaths(directory);
  let stop = false;
  process.stdin.on("data", () => {}).on("end", () => { stop = true; });
  const failures = [];
  let reads = 0;
  const fail = (what) => { if (failures.length < 10) failures.push(what); };
  const check = (parse) => (input) => schema.check(parse, input);
  while (!stop) {
    try {
      if (kind === "meta") {
        const read = await store.readJsonFile(paths.meta, check(schema.LenientRunMetaSchema));
        if (!read.ok) fail("meta.json: " + read.error.message);
      } else if (kind === "status") {
        const read = await store.readJsonFile(paths.status, check(schema.LenientRunStatusSchema));
        if (!read.ok && !read.missing) fail("status.json: " + read.error.message);
      } else if (kind === "summary") {
        const summary = await store.readSummary(paths.summary);
        if (summary.problems.length > 0) fail("summary: " + summary.problems[0]);
      } else if (kind === "heartbeat") {
        await store.readHeartbeat(paths.heartbeat);
      } else if (kind === "view") {
        const view = await store.readRun(directory);
        if (view.problems.length > 0) fail("readRun: " + view.problems[0]);
        if (view.timeline?.state === "damaged") fail("readRun: " + JSON.stringify(view.timeline));
      } else if (kind === "timeline") {
        const facts = { runId, finalStatus: null, statusSeq: null, statusFailed: false };
        const report = await store.checkTimeline(paths.summary, facts, "full");
        if (report?.integrity.state === "damaged") fail("timeline: " + JSON.stringify(report.integrity));
      }
    } catch (error) {
      fail(kind + ": " + (error && error.message));
    }
    reads += 1;
  }
  process.stdout.write(JSON.stringify({ kind, reads, failures }) + "\\n");
})();
`;

/**
 * A reader in a process of its own, at a lower priority than the run: on a small machine the
 * readers must load it, not starve the executor until the suite times out.
 */
function startReader(kind: ReaderKind, directory: string, runId: string) {
  const config = {
    kind,
    directory,
    runId,
    storeUrl: pathToFileURL(join(REPO, "packages/store/dist/index.js")).href,
    schemaUrl: pathToFileURL(join(REPO, "packages/schema/dist/index.js")).href,
  };
  const child = spawn("nice", ["-n", NICE, process.execPath, "-e", READER], {
    env: { ...process.env, TORN_READER: JSON.stringify(config), NODE_OPTIONS: "" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  readers.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  // A reader that dies reports that as its failure, rather than leaving the suite waiting.
  let timer: NodeJS.Timeout | undefined;
  const report = new Promise<ReaderReport>((resolve) => {
    child.on("close", (code, signal) => {
      readers.delete(child);
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout) as ReaderReport);
      } catch {
        const how =
          signal === "SIGKILL"
            ? `did not stop within ${STOP_LIMIT_MS / 1000} s of its stdin's end (its loop never let the event loop in?)`
            : `exited ${code}`;
        resolve({ kind, reads: 0, failures: [`reader ${how}: ${stderr.slice(0, 500)}`] });
      }
    });
  });
  return {
    stop(): Promise<ReaderReport> {
      child.stdin.end();
      timer = setTimeout(() => child.kill("SIGKILL"), STOP_LIMIT_MS);
      return report;
    },
  };
}

/** A CLI command run again and again until `until` says stop; every output must parse. */
async function cliLoop(
  args: string[],
  until: () => boolean,
  check: (value: Record<string, unknown>) => string | undefined,
): Promise<ReaderReport> {
  const failures: string[] = [];
  let reads = 0;
  while (!until()) {
    const result = await cli(args, {
      runsDir: scratch.runsDir,
      shell: `renice -n ${NICE} $$ >/dev/null`,
    });
    reads += 1;
    const problem = (() => {
      if (result.code !== 0 || result.stderr !== "") return `exit ${result.code}: ${result.stderr}`;
      try {
        for (const line of result.stdout.trim().split("\n")) {
          const why = check(JSON.parse(line));
          if (why !== undefined) return why;
        }
      } catch (error) {
        return `not JSON: ${(error as Error).message}: ${result.stdout.slice(0, 200)}`;
      }
      return undefined;
    })();
    if (problem !== undefined && failures.length < 10) failures.push(problem);
  }
  return { kind: args.slice(0, 1).join(" "), reads, failures };
}

const sound = (value: Record<string, unknown>) => {
  const problems = value.problems as string[] | undefined;
  const timeline = value.timeline as { state: string } | undefined;
  if (value.state === "unreadable") return `unreadable: ${String(value.error)}`;
  if (problems !== undefined && problems.length > 0) return problems.join("; ");
  if (timeline?.state === "damaged") return `timeline: ${JSON.stringify(timeline)}`;
  return undefined;
};

describe("torn reads", () => {
  it(
    "8 readers in tight loops during a 1,000-step run: zero parse failures",
    async () => {
      const path = join(scratch.directory, "thousand.yaml");
      writeFileSync(path, workflow());
      const started = await cli(["run", path, "-d", "--json", "--max-parallel", "2"], {
        runsDir: scratch.runsDir,
      });
      expect(started.code).toBe(0);
      const { runId, runDirectory: directory } = JSON.parse(started.stdout) as {
        runId: string;
        runDirectory: string;
      };
      const kinds: ReaderKind[] = ["meta", "status", "summary", "heartbeat", "view", "timeline"];
      const readers = kinds.map((kind) => startReader(kind, directory, runId));
      const began = performance.now();
      let ended = false;
      let endedWhileRead = false;
      const { readRun } = await import("@runyard/store");
      const finished = async () =>
        (await readRun(directory, { timeline: "none" })).meta.finalStatus !== null;
      const watcher = (async () => {
        // Stop once the run has ended and the readers had a last go at the final files, or
        // once the reading window is over (the run then ends without them).
        while (!(await finished())) {
          if (performance.now() - began > READ_WINDOW_MS) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        endedWhileRead = await finished();
        await new Promise((resolve) => setTimeout(resolve, 500));
        ended = true;
      })();
      const loops = await Promise.all([
        cliLoop(["ps", "--json", "-n", "0"], () => ended, sound),
        cliLoop(["show", runId, "--json"], () => ended, sound),
      ]);
      await watcher;
      const reports = [...(await Promise.all(readers.map((reader) => reader.stop()))), ...loops];
      const seconds = (performance.now() - began) / 1000;
      while (!(await finished()) && performance.now() - began < RUN_LIMIT_MS)
        await new Promise((resolve) => setTimeout(resolve, 200));
      const final = await readRun(directory);
      // A run still going here failed the suite; stop it so its directory can be removed.
      if (final.meta.finalStatus === null) {
        await cli(["cancel", runId, "--force"], { runsDir: scratch.runsDir });
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      const total = reports.reduce((sum, report) => sum + report.reads, 0);
      const failures = reports.flatMap((report) => report.failures);
      // The figure docs/reliability.md quotes.
      console.log(
        `torn reads: ${total} reads by 8 readers in ${seconds.toFixed(1)} s during a 1,000-step run that ${endedWhileRead ? "ended meanwhile" : "went on after them"} (${reports
          .map((report) => `${report.kind} ${report.reads}`)
          .join(", ")}); parse failures: ${failures.length}`,
      );
      expect(failures).toEqual([]);
      expect(final.classification).toBe("success");
      expect(final.status?.steps).toHaveLength(1000);
      expect(final.timeline).toMatchObject({ state: "intact" });
      expect(reports.every((report) => report.reads > 0)).toBe(true);
    },
    RUN_LIMIT_MS + 40_000,
  );
});
