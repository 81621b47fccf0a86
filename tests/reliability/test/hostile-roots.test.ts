// Hostile runs roots: a runs root where anything a step or a group member can put sits beside
// a few healthy runs (named pipes, devices behind links, huge sparse files, symbolic and hard
// links out of the root, a meta.json naming another run, junk). Every reading and cleaning
// command, and the GUI's API, must answer in bounded time and memory, list the healthy runs
// as they are, and read or write nothing outside the root: canary files outside must never
// show in any output, and stay as they were.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  chmodSync,
  cpSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CliResult, cli, startCli } from "./support.js";

/**
 * Any command must be done within this: the point is "no hang" (a reader stuck on a named
 * pipe never ends), not speed. Generous, as the machine may be loaded: at a load of 15 on 2
 * cores, a `runyard rm` that only says "a symbolic link is never a run" took 11 s of wall
 * time, and a `show` 18.5 s, where each takes under 1.5 s alone. A hang is forever.
 */
const TIME_BOUND_MS = 30_000;
/** Killed past this, so a hang fails the test instead of the suite. */
const KILL_AFTER_MS = 60_000;
/** Per test: dozens of commands, on a machine that may be loaded. */
const TEST_TIMEOUT_MS = 300_000;
/** Commands run at once: the machine has 2 cores, shared. */
const PARALLEL = 3;
/** Peak resident memory allowed to one command (a healthy `ps` takes some 70 MB). */
const MEMORY_BOUND_KB = 400 * 1024;
/** The V8 heap every command gets: a reader that slurps a huge file dies of it, visibly. */
const NODE_OPTIONS = "--max-old-space-size=256";

/** A run id that sorts by `index` (UUIDv7-shaped, from a fixed time). */
function runIdFor(index: number): string {
  const hex = index.toString(16).padStart(12, "0");
  return `01a20000-${hex.slice(0, 4)}-7000-8000-${hex}`;
}

const HEALTHY_SUCCESS = runIdFor(0x01);
const HEALTHY_FAILED = runIdFor(0x02);
const HEALTHY_SECOND = runIdFor(0x03);
const MISMATCH = runIdFor(0x20);
const NO_IDENTITY = runIdFor(0x21);
const RUN_LINK = runIdFor(0x30);
const JUNK_FILE = runIdFor(0x50);

/** meta.json unusable: listed as unreadable. */
const UNREADABLE = {
  "meta.json a named pipe": runIdFor(0x10),
  "meta.json a link to /dev/zero": runIdFor(0x11),
  "meta.json a sparse 300 MB file": runIdFor(0x12),
  "meta.json a link to a file outside": runIdFor(0x13),
  "meta.json a hard link to a file outside": runIdFor(0x14),
  "meta.json garbage with terminal escapes": runIdFor(0x15),
  "meta.json missing (an empty run directory)": runIdFor(0x16),
  "a directory of garbage": runIdFor(0x17),
} as const;

/** A file other than meta.json unusable: listed, with the refusal among its problems. */
const DAMAGED = {
  "status.json a named pipe": runIdFor(0x40),
  "run_summary.jsonl a named pipe": runIdFor(0x41),
  "heartbeat a named pipe": runIdFor(0x42),
  "executor.log a named pipe": runIdFor(0x43),
  "a capture a named pipe": runIdFor(0x44),
  "status.json a link to /dev/zero": runIdFor(0x45),
  "run_summary.jsonl a link to /dev/zero": runIdFor(0x46),
  "status.json a sparse 300 MB file": runIdFor(0x47),
  "heartbeat a link to a file outside": runIdFor(0x48),
  "a capture a link to a file outside": runIdFor(0x49),
  "a capture a hard link to a file outside": runIdFor(0x4a),
  "status.json a hard link to a file outside": runIdFor(0x4b),
  "artifacts linking out, read-only": runIdFor(0x4c),
} as const;

interface HostileRoot {
  runsDir: string;
  outside: string;
  canary: string;
}

interface Snapshot {
  [path: string]: { kind: string; mode: number; mtimeMs: number; content?: string };
}

let sourceRun = "";
let sourceBase = "";

beforeAll(async () => {
  // One real run, copied under every id below (as apps/cli/test/fixtures.ts does).
  sourceBase = mkdtempSync(join(tmpdir(), "ry-rel-hostile-src-"));
  const runs = join(sourceBase, "runs");
  const result = await cli(["run", "examples/hello.yaml", "-q"], { runsDir: runs });
  expect(result.code, result.stderr).toBe(0);
  const [only] = readdirSync(runs);
  if (only === undefined) throw new Error("no run directory");
  sourceRun = join(runs, only);
});

afterAll(() => {
  if (sourceBase !== "") rmSync(sourceBase, { recursive: true, force: true });
});

let base = "";
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "ry-rel-hostile-"));
  return () => {
    // The read-only directory inside a run that a test did not remove.
    execFileSync("chmod", ["-R", "u+rwx", base]);
    rmSync(base, { recursive: true, force: true });
  };
});

/** A copy of the real run under `runId`, with meta.json's fields changed. */
function copyRun(runsDir: string, runId: string, meta: Record<string, unknown> = {}): string {
  const directory = join(runsDir, runId);
  cpSync(sourceRun, directory, { recursive: true });
  const original = JSON.parse(readFileSync(join(sourceRun, "meta.json"), "utf8"));
  const merged = { ...original, runId, ...meta };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  writeFileSync(join(directory, "meta.json"), JSON.stringify(merged));
  // The timeline names its run and how it ended too: a copy's must agree with its meta.json,
  // or readers rightly call its timeline damaged.
  for (const file of ["run_summary.jsonl", "status.json"]) {
    let text = readFileSync(join(directory, file), "utf8").replaceAll(original.runId, runId);
    if (typeof meta.finalStatus === "string")
      text = text.replaceAll('"finalStatus":"success"', `"finalStatus":"${meta.finalStatus}"`);
    writeFileSync(join(directory, file), text);
  }
  return directory;
}

function replaceWith(path: string, make: (path: string) => void): void {
  rmSync(path, { force: true, recursive: true });
  make(path);
}

const fifo = (path: string) => execFileSync("mkfifo", [path]);

/** Builds the hostile runs root: every case above, the healthy runs, junk, and canaries outside. */
function buildHostileRoot(): HostileRoot {
  const runsDir = join(base, "runs");
  const outside = join(base, "outside");
  mkdirSync(runsDir);
  mkdirSync(join(outside, "tree"), { recursive: true });
  const canary = `CANARY-${randomUUID()}`;
  const secret = join(outside, "secret.txt");
  writeFileSync(secret, `${canary}\n`);
  writeFileSync(join(outside, "tree", "keep.txt"), `${canary} tree\n`);
  chmodSync(join(outside, "tree"), 0o555);
  // A run directory elsewhere, for the runs root to link to.
  cpSync(sourceRun, join(outside, "linked-run"), { recursive: true });
  writeFileSync(join(outside, "linked-run", "000001-greet.out"), `${canary} linked\n`);

  copyRun(runsDir, HEALTHY_SUCCESS);
  copyRun(runsDir, HEALTHY_FAILED, { finalStatus: "failed" });
  copyRun(runsDir, HEALTHY_SECOND);

  const at = (runId: string, name: string) => join(runsDir, runId, name);
  for (const runId of Object.values(UNREADABLE)) copyRun(runsDir, runId);
  replaceWith(at(UNREADABLE["meta.json a named pipe"], "meta.json"), fifo);
  replaceWith(at(UNREADABLE["meta.json a link to /dev/zero"], "meta.json"), (path) =>
    symlinkSync("/dev/zero", path),
  );
  truncateSync(at(UNREADABLE["meta.json a sparse 300 MB file"], "meta.json"), 300 * 1024 * 1024);
  replaceWith(at(UNREADABLE["meta.json a link to a file outside"], "meta.json"), (path) =>
    symlinkSync(secret, path),
  );
  replaceWith(at(UNREADABLE["meta.json a hard link to a file outside"], "meta.json"), (path) =>
    linkSync(secret, path),
  );
  writeFileSync(
    at(UNREADABLE["meta.json garbage with terminal escapes"], "meta.json"),
    "\u001b]0;pwned\u0007\u001b[2J{not json",
  );
  const empty = join(runsDir, UNREADABLE["meta.json missing (an empty run directory)"]);
  rmSync(empty, { recursive: true });
  mkdirSync(empty);

  for (const runId of Object.values(DAMAGED)) copyRun(runsDir, runId);
  replaceWith(at(DAMAGED["status.json a named pipe"], "status.json"), fifo);
  replaceWith(at(DAMAGED["run_summary.jsonl a named pipe"], "run_summary.jsonl"), fifo);
  replaceWith(at(DAMAGED["heartbeat a named pipe"], "heartbeat"), fifo);
  replaceWith(at(DAMAGED["executor.log a named pipe"], "executor.log"), fifo);
  replaceWith(at(DAMAGED["a capture a named pipe"], "000001-greet.out"), fifo);
  replaceWith(at(DAMAGED["status.json a link to /dev/zero"], "status.json"), (path) =>
    symlinkSync("/dev/zero", path),
  );
  replaceWith(at(DAMAGED["run_summary.jsonl a link to /dev/zero"], "run_summary.jsonl"), (path) =>
    symlinkSync("/dev/zero", path),
  );
  truncateSync(at(DAMAGED["status.json a sparse 300 MB file"], "status.json"), 300 * 1024 * 1024);
  replaceWith(at(DAMAGED["heartbeat a link to a file outside"], "heartbeat"), (path) =>
    symlinkSync(secret, path),
  );
  replaceWith(at(DAMAGED["a capture a link to a file outside"], "000001-greet.out"), (path) =>
    symlinkSync(secret, path),
  );
  replaceWith(at(DAMAGED["a capture a hard link to a file outside"], "000001-greet.out"), (path) =>
    linkSync(secret, path),
  );
  replaceWith(at(DAMAGED["status.json a hard link to a file outside"], "status.json"), (path) =>
    linkSync(secret, path),
  );
  const artifacts = at(DAMAGED["artifacts linking out, read-only"], "artifacts");
  symlinkSync(outside, join(artifacts, "out"));
  symlinkSync(join(outside, "tree"), join(artifacts, "tree"));
  linkSync(secret, join(artifacts, "hard.txt"));
  fifo(join(artifacts, "pipe"));
  chmodSync(artifacts, 0o500);

  // meta.json names the failed healthy run: gc must not remove that one for this one.
  copyRun(runsDir, MISMATCH, { runId: HEALTHY_FAILED });
  // No executor identity, a live pid (this test's), no heartbeat: unknown.
  const bare = copyRun(runsDir, NO_IDENTITY, {
    executor: undefined,
    pid: process.pid,
    finalStatus: null,
    endedAt: null,
  });
  rmSync(join(bare, "heartbeat"));
  rmSync(join(bare, "run_summary.jsonl"));
  symlinkSync(join(outside, "linked-run"), join(runsDir, RUN_LINK));

  const garbage = join(runsDir, UNREADABLE["a directory of garbage"]);
  rmSync(garbage, { recursive: true });
  mkdirSync(garbage);
  writeFileSync(join(garbage, "garbage.bin"), Buffer.alloc(4096, 0xff));
  mkdirSync(join(garbage, "nested", "deeper"), { recursive: true });

  // Junk: a file named like a run, and names that are no run id.
  writeFileSync(join(runsDir, JUNK_FILE), "junk\n");
  writeFileSync(join(runsDir, "notes.txt"), "junk\n");
  mkdirSync(join(runsDir, "empty"));
  mkdirSync(join(runsDir, "DEADBEEF-garbage"));
  return { runsDir, outside, canary };
}

/** Every entry under `directory`, by lstat, with regular files' content. */
function snapshot(directory: string): Snapshot {
  const found: Snapshot = {};
  const walk = (path: string) => {
    const stats = lstatSync(path);
    const kind = stats.isDirectory() ? "dir" : stats.isSymbolicLink() ? "link" : "file";
    found[path] = {
      kind,
      mode: stats.mode,
      mtimeMs: stats.mtimeMs,
      ...(kind === "file" ? { content: readFileSync(path, "utf8") } : {}),
    };
    if (kind === "dir") for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(directory);
  return found;
}

interface Measured extends CliResult {
  /** Peak resident memory (VmHWM) last seen, in KiB; 0 when never seen. */
  peakKb: number;
}

/** Runs the built CLI with a heap cap, watching its peak memory, killed if it hangs. */
async function measured(args: string[], root: HostileRoot): Promise<Measured> {
  const { child, done } = startCli(args, {
    runsDir: root.runsDir,
    env: { NODE_OPTIONS },
  });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
      if (match?.[1] !== undefined) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      // Gone already, or no /proc: the heap cap still stands.
    }
  }, 20);
  const killer = setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS);
  try {
    return { ...(await done), peakKb };
  } finally {
    clearInterval(poll);
    clearTimeout(killer);
  }
}

/** The figures of this file's run, for docs/reliability.md: printed once at the end. */
const figures = { commands: 0, slowestMs: 0, slowest: "", peakKb: 0, peak: "" };

afterAll(() => {
  if (figures.commands === 0) return;
  console.info(
    `hostile runs roots: ${figures.commands} commands; slowest ${Math.round(figures.slowestMs)} ms (${figures.slowest}); peak memory ${Math.round(figures.peakKb / 1024)} MB (${figures.peak})`,
  );
});

/** What every command must do, whatever it answered. */
function expectBounded(result: Measured, root: HostileRoot, what: string): void {
  figures.commands += 1;
  if (result.elapsedMs > figures.slowestMs) {
    figures.slowestMs = result.elapsedMs;
    figures.slowest = what;
  }
  if (result.peakKb > figures.peakKb) {
    figures.peakKb = result.peakKb;
    figures.peak = what;
  }
  const label = `${what}: ${result.stderr.slice(0, 2000)}`;
  expect(result.signal, label).toBeNull();
  expect(result.elapsedMs, label).toBeLessThan(TIME_BOUND_MS);
  expect(result.peakKb, label).toBeLessThan(MEMORY_BOUND_KB);
  expect(result.stdout + result.stderr, label).not.toContain(root.canary);
  // Nothing of a file's junk reaches the terminal raw.
  expect(result.stdout + result.stderr, label).not.toContain("\u001b]0;pwned");
}

/** Maps with at most `limit` calls at once. */
async function mapLimited<T, R>(items: T[], limit: number, map: (item: T) => Promise<R>) {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

const short = (runId: string) => runId.slice(-8);

/** Every run-id-named entry a user could name on the command line. */
const EVERY_RUN = [
  HEALTHY_SUCCESS,
  HEALTHY_FAILED,
  MISMATCH,
  NO_IDENTITY,
  RUN_LINK,
  JUNK_FILE,
  ...Object.values(UNREADABLE),
  ...Object.values(DAMAGED),
];

/**
 * What `logs` is run on: it reads the run directory's listing and the captures, not meta.json
 * or status.json, so every case where those differ (the others take the healthy run's path).
 */
const LOGS_CASES = [
  HEALTHY_SUCCESS,
  MISMATCH,
  RUN_LINK,
  JUNK_FILE,
  UNREADABLE["meta.json a named pipe"],
  UNREADABLE["meta.json missing (an empty run directory)"],
  DAMAGED["a capture a named pipe"],
  DAMAGED["a capture a link to a file outside"],
  DAMAGED["a capture a hard link to a file outside"],
  DAMAGED["artifacts linking out, read-only"],
];

describe("a hostile runs root", () => {
  it(
    "ps and ps --json list the healthy runs, each bad one under its own id, in bounded time and memory",
    async () => {
      const root = buildHostileRoot();
      const before = snapshot(root.outside);
      const table = await measured(["ps", "-n", "0"], root);
      expectBounded(table, root, "ps");
      expect(table.code).toBe(0);
      const rows = table.stdout.split("\n");
      const row = (runId: string) => rows.find((line) => line.startsWith(short(runId)));
      expect(row(HEALTHY_SUCCESS)).toMatch(/ hello +success /);
      expect(row(HEALTHY_FAILED)).toMatch(/ hello +failed /);
      expect(row(MISMATCH)).toMatch(/ hello +success /);
      expect(row(NO_IDENTITY)).toMatch(/ hello +unknown /);
      for (const runId of Object.values(DAMAGED)) expect(row(runId)).toMatch(/ hello +success /);
      expect(table.stdout).not.toContain(short(RUN_LINK));
      for (const [label, runId] of Object.entries(UNREADABLE)) {
        expect(table.stderr, label).toMatch(new RegExp(`^warning: unreadable run ${runId}: `, "m"));
      }
      expect(table.stderr).toContain(
        `${join(root.runsDir, UNREADABLE["meta.json a named pipe"])}/meta.json is a named pipe, not a regular file; a run directory holds only files the executor wrote`,
      );
      expect(table.stderr).toMatch(/meta\.json is a file with \d+ hard links: it has another name/);
      expect(table.stderr).toMatch(/meta\.json is 300 MiB, more than the 1 MiB/);
      expect(table.stderr).toContain(
        `warning: run ${MISMATCH}: meta.json: runId: names run ${HEALTHY_FAILED}, not ${MISMATCH}`,
      );

      const json = await measured(["ps", "-n", "0", "--json"], root);
      expectBounded(json, root, "ps --json");
      expect(json.code).toBe(0);
      const lines = json.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { runId: string; state: string; problems?: string[] });
      const byId = new Map(lines.map((line) => [line.runId, line]));
      expect(byId.get(HEALTHY_SUCCESS)?.state).toBe("success");
      expect(byId.get(HEALTHY_FAILED)?.state).toBe("failed");
      expect(byId.get(NO_IDENTITY)?.state).toBe("unknown");
      // Listed once, under its directory's id, with what meta.json claims among its problems.
      expect(lines.filter((line) => line.runId === HEALTHY_FAILED)).toHaveLength(1);
      expect(byId.get(MISMATCH)?.problems).toEqual([
        expect.stringContaining(`names run ${HEALTHY_FAILED}`),
      ]);
      for (const runId of Object.values(UNREADABLE))
        expect(byId.get(runId)?.state).toBe("unreadable");
      for (const [label, runId] of Object.entries(DAMAGED)) {
        expect(byId.get(runId)?.state, label).toBe("success");
      }
      expect(byId.has(RUN_LINK)).toBe(false);
      expect(snapshot(root.outside)).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "show and logs answer for every entry, print no byte from outside, and say what they refuse",
    async () => {
      const root = buildHostileRoot();
      const before = snapshot(root.outside);
      const commands = [
        ...EVERY_RUN.map((runId) => ["show", runId]),
        ...LOGS_CASES.map((runId) => ["logs", runId]),
      ];
      commands.push(
        ["logs", "-f", HEALTHY_SUCCESS],
        ["logs", "-f", DAMAGED["a capture a named pipe"]],
        ["logs", "-f", DAMAGED["a capture a hard link to a file outside"]],
        ["logs", "-f", UNREADABLE["meta.json a named pipe"]],
        ["show", "--json", MISMATCH],
      );
      const results = await mapLimited(commands, PARALLEL, (args) => measured(args, root));
      const answer = (...args: string[]) => {
        const index = commands.findIndex((command) => command.join(" ") === args.join(" "));
        return results[index] as Measured;
      };
      commands.forEach((args, index) => {
        expectBounded(results[index] as Measured, root, args.join(" "));
      });

      expect(answer("show", HEALTHY_SUCCESS).code).toBe(0);
      expect(answer("logs", HEALTHY_SUCCESS).stdout).toContain("==> 000001-greet.out <==");
      const hard = answer("logs", DAMAGED["a capture a hard link to a file outside"]);
      expect(hard.code).toBe(0);
      expect(hard.stderr).toMatch(
        /000001-greet\.out is a file with \d+ hard links: it has another name, maybe outside the runs root, so the executor did not make it; it is not read/,
      );
      expect(hard.stdout).toContain("==> 000001-greet.err <==");
      expect(answer("logs", DAMAGED["a capture a named pipe"]).stderr).toContain(
        "000001-greet.out is a named pipe, not a regular file",
      );
      expect(answer("logs", DAMAGED["a capture a link to a file outside"]).stderr).toContain(
        "000001-greet.out is a symbolic link, which is not followed",
      );
      expect(answer("show", DAMAGED["status.json a named pipe"]).stderr).toContain(
        "status.json is a named pipe, not a regular file",
      );
      expect(answer("show", UNREADABLE["meta.json a link to /dev/zero"]).stderr).toMatch(
        /meta\.json is a symbolic link, which is not followed/,
      );
      expect(answer("logs", RUN_LINK).stderr).toContain("is a symbolic link, which is never read");
      expect(answer("logs", "-f", HEALTHY_SUCCESS).code).toBe(0);
      expect(answer("logs", "-f", DAMAGED["a capture a named pipe"]).code).toBe(0);

      // Found, shown and followed by its directory's id, never by the id its meta.json claims.
      const mismatch = answer("show", "--json", MISMATCH);
      expect(mismatch.code).toBe(0);
      expect(JSON.parse(mismatch.stdout)).toMatchObject({
        runId: MISMATCH,
        shortId: short(MISMATCH),
        problems: [expect.stringContaining(`names run ${HEALTHY_FAILED}`)],
      });
      expect(answer("logs", MISMATCH).stdout).toContain("==> 000001-greet.out <==");
      expect(snapshot(root.outside)).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "du, rm, gc --dry-run and gc never follow a link out, nor change or remove what is outside",
    async () => {
      const root = buildHostileRoot();
      const before = snapshot(root.outside);
      const usage = await measured(["du", "-n", "0"], root);
      expectBounded(usage, root, "du");
      expect(usage.code).toBe(0);
      expect(usage.stdout).toContain(short(HEALTHY_SUCCESS));
      expect(usage.stdout).toContain(short(MISMATCH));

      const removals: [string[], "removed" | "refused"][] = [
        // By its directory's id; the run its meta.json names stays.
        [["rm", MISMATCH], "removed"],
        [["rm", DAMAGED["artifacts linking out, read-only"]], "removed"],
        [["rm", RUN_LINK], "refused"],
        [["rm", JUNK_FILE], "refused"],
        [["rm", NO_IDENTITY], "refused"],
        [["rm", UNREADABLE["meta.json a named pipe"]], "refused"],
        [["rm", "--force", UNREADABLE["meta.json a named pipe"]], "removed"],
        [["rm", "--force", UNREADABLE["meta.json a hard link to a file outside"]], "removed"],
        [["rm", "--force", UNREADABLE["meta.json a link to a file outside"]], "removed"],
        [["rm", "--force", UNREADABLE["a directory of garbage"]], "removed"],
      ];
      // The refusals first: `rm --force` of the same run comes after.
      for (const wanted of ["refused", "removed"] as const) {
        const batch = removals.filter(([, outcome]) => outcome === wanted).map(([args]) => args);
        const results = await mapLimited(batch, PARALLEL, (args) => measured(args, root));
        batch.forEach((args, index) => {
          const result = results[index] as Measured;
          expectBounded(result, root, args.join(" "));
          const present = readdirSync(root.runsDir).includes(args.at(-1) as string);
          expect([result.code === 0, present], `${args.join(" ")}: ${result.stderr}`).toEqual(
            wanted === "removed" ? [true, false] : [false, true],
          );
        });
      }
      expect(readdirSync(root.runsDir)).toContain(HEALTHY_FAILED);
      expect(snapshot(root.outside)).toEqual(before);

      const plan = await measured(["gc", "--dry-run"], root);
      expectBounded(plan, root, "gc --dry-run");
      expect(plan.code).toBe(0);
      expect(plan.stdout).toContain(short(HEALTHY_SUCCESS));
      expect(readdirSync(root.runsDir)).toContain(HEALTHY_SUCCESS);

      const gc = await measured(["gc"], root);
      expectBounded(gc, root, "gc");
      expect(gc.code).toBe(0);
      const left = readdirSync(root.runsDir);
      // The default policy deletes success runs, keeps failed, unknown and unreadable ones.
      expect(left).toContain(HEALTHY_FAILED);
      expect(left).not.toContain(HEALTHY_SUCCESS);
      for (const runId of Object.values(DAMAGED)) expect(left).not.toContain(runId);
      expect(left).toContain(UNREADABLE["meta.json a sparse 300 MB file"]);
      expect(left).toContain(NO_IDENTITY);
      expect(left).toContain(RUN_LINK);
      expect(snapshot(root.outside)).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "the GUI's /api/runs answers with the healthy runs and each problem, in bounded time",
    async () => {
      const root = buildHostileRoot();
      const before = snapshot(root.outside);
      const { child, done } = startCli(["gui"], {
        runsDir: root.runsDir,
        env: { NODE_OPTIONS },
      });
      try {
        let printed = "";
        const url = await new Promise<URL>((resolvePromise, reject) => {
          child.stdout?.on("data", (chunk: Buffer) => {
            printed += chunk.toString();
            if (printed.includes("\n")) resolvePromise(new URL(printed.trim()));
          });
          child.once("exit", () => reject(new Error("runyard gui exited")));
        });
        const token = new URLSearchParams(url.hash.slice(1)).get("token") ?? "";
        const started = performance.now();
        const response = await fetch(new URL("/api/runs", url), {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(KILL_AFTER_MS),
        });
        const body = await response.text();
        const elapsedMs = performance.now() - started;
        figures.commands += 1;
        if (elapsedMs > figures.slowestMs) {
          figures.slowestMs = elapsedMs;
          figures.slowest = "GET /api/runs";
        }
        expect(elapsedMs).toBeLessThan(TIME_BOUND_MS);
        expect(response.status).toBe(200);
        expect(body).not.toContain(root.canary);
        const api = JSON.parse(body) as {
          runs: { runId: string; state: string; problems: string[] }[];
          problems: { directory: string; message: string }[];
        };
        const byId = new Map(api.runs.map((run) => [run.runId, run]));
        expect(byId.get(HEALTHY_SUCCESS)?.state).toBe("success");
        expect(byId.get(HEALTHY_FAILED)?.state).toBe("failed");
        expect(byId.get(NO_IDENTITY)?.state).toBe("unknown");
        expect(byId.get(MISMATCH)?.problems).toEqual([
          expect.stringContaining(`names run ${HEALTHY_FAILED}`),
        ]);
        expect(byId.get(DAMAGED["status.json a named pipe"])?.problems).toEqual([
          expect.stringContaining("status.json is a named pipe"),
        ]);
        expect(api.problems.map((problem) => problem.directory).sort()).toEqual(
          Object.values(UNREADABLE)
            .map((runId) => join(root.runsDir, runId))
            .sort(),
        );
      } finally {
        child.kill("SIGINT");
        await done;
      }
      expect(snapshot(root.outside)).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );
});
