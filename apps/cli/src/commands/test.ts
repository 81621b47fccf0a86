// `runyard test [FILE|DIR]...`: each test workflow run by the executor's harness
// (testWorkflow: a real run in a runs root of its own, nothing printed while it goes on), one
// line a test, the failed steps' last lines under a failed one, and the count.
import { open, readdir, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { testWorkflow, type WorkflowTestRun } from "@runyard/executor/testing";
import { RunyardError } from "@runyard/schema";
import { readRun } from "@runyard/store";
import type { CommandContext, CommandRun } from "../command.js";
import { runReason } from "../describe-run.js";
import { EXIT } from "../errors.js";
import { formatDuration, type Output, paint } from "../output.js";
import { safeOutput, safeText } from "../safe-text.js";
import { stepBinDirectory } from "../step-bin.js";

const TEST_FILE = /\.test\.ya?ml$/;
/** The last lines of a failed step's stdout and stderr shown, each. */
const TAIL_LINES = 10;
const TAIL_BYTES = 8192;

/** Every *.test.yaml under `directory`, but in node_modules and dot-directories. */
async function testsUnder(directory: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(directory, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && !entry.name.startsWith(".")) {
        found.push(...(await testsUnder(path)));
      }
    } else if (TEST_FILE.test(entry.name) && (entry.isFile() || entry.isSymbolicLink())) {
      found.push(path);
    }
  }
  return found;
}

/** The test files `paths` name (default the working directory), in order, each once. */
async function findTests(paths: readonly string[], cwd: string): Promise<string[]> {
  const found = new Set<string>();
  for (const given of paths.length === 0 ? ["."] : paths) {
    const path = resolve(cwd, given);
    const stats = await stat(path).catch(() => undefined);
    if (stats === undefined) {
      throw new RunyardError("E_WORKFLOW_NOT_FOUND", `no such file or directory: ${given}`);
    }
    const tests = stats.isDirectory() ? await testsUnder(path) : [path];
    for (const test of tests) found.add(test);
  }
  if (found.size === 0) {
    const where = paths.length === 0 ? "this directory" : paths.join(", ");
    throw new RunyardError("E_NO_TESTS", `no test workflows (*.test.yaml) in ${where}`, {
      hint: "name a test workflow <name>.test.yaml, or give its file",
    });
  }
  return [...found];
}

/** The last `TAIL_LINES` lines of a capture file, read from its last TAIL_BYTES at most. */
async function tail(path: string): Promise<string[]> {
  const handle = await open(path, "r").catch(() => undefined);
  if (handle === undefined) return [];
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.subarray(0, bytesRead).toString("utf8").split("\n");
    if (start > 0) lines.shift(); // cut mid-line
    if (lines.at(-1) === "") lines.pop();
    return lines.slice(-TAIL_LINES);
  } finally {
    await handle.close();
  }
}

/** Why a run that did not succeed failed (as `show` says it), and what its failed steps wrote last. */
async function failureReport(run: WorkflowTestRun, output: Output): Promise<string[]> {
  const lines = [`${run.status}: ${runReason(await readRun(run.runDirectory, { readEnd: true }))}`];
  const failed = run.steps.filter(
    (step) => step.status === "failed" && (step.handledBy ?? []).length === 0,
  );
  const width = Math.max(0, ...failed.map((step) => step.nodeId.length));
  for (const step of failed) {
    for (const stream of ["out", "err"] as const) {
      let captured: string[];
      try {
        captured = await tail(run.stepCapture(step.nodeId, { stream }));
      } catch {
        continue; // it never started
      }
      const prefix = paint(output, "dim", `    ${safeText(step.nodeId.padEnd(width))} │ `);
      for (const line of captured) lines.push(`${prefix}${safeOutput(line)}`);
    }
  }
  return lines;
}

type Outcome = "passed" | "failed" | "interrupted";

/** Runs one test and prints its line (and why, when it failed). */
async function runTest(
  file: string,
  context: CommandContext,
  options: { keep: boolean; quiet: boolean },
): Promise<Outcome> {
  const { output } = context;
  const name = safeText(relative(context.cwd, file) || file);
  const started = Date.now();
  const binDirectory = stepBinDirectory();
  let run: WorkflowTestRun;
  try {
    run = await testWorkflow(file, {
      env: context.env,
      signal: context.signal,
      ...(binDirectory === undefined ? {} : { binDirectory }),
    });
  } catch (error) {
    if (context.signal.aborted) return "interrupted";
    // Refused before it ran (an invalid workflow, a param it lacks): a failed test.
    const message = error instanceof Error ? error.message : String(error);
    output.out(`${paint(output, "red", "✗")} ${name}  refused\n`);
    output.out(`${safeText(message, { lines: true }).replace(/^/gm, "    ")}\n`);
    return "failed";
  }
  try {
    if (context.signal.aborted && run.status === "cancelled") return "interrupted";
    const took = formatDuration(Date.now() - started);
    const kept = options.keep ? [`    kept: ${safeText(run.runDirectory)}`] : [];
    if (run.status === "success") {
      if (!options.quiet) {
        output.out(`${paint(output, "green", "✓")} ${name}  ${took}\n`);
        for (const line of kept) output.out(`${line}\n`);
      }
      return "passed";
    }
    const [why, ...report] = await failureReport(run, output);
    output.out(`${paint(output, "red", "✗")} ${name}  ${took}  ${safeText(why ?? "")}\n`);
    for (const line of [...report, ...kept]) output.out(`${line}\n`);
    return "failed";
  } finally {
    if (!options.keep) await run.cleanup();
  }
}

/** `runyard test`, once its flags are parsed (its help and flags: command-table/test.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  const tests = await findTests(positionals, context.cwd);
  const options = { keep: values.keep === true, quiet: values.quiet === true };
  let passed = 0;
  let failed = 0;
  for (const file of tests) {
    const outcome = await runTest(file, context, options);
    if (outcome === "interrupted") {
      context.output.err("runyard: interrupted; the test that was running was cancelled\n");
      return EXIT.cancelled;
    }
    if (outcome === "passed") passed += 1;
    else failed += 1;
  }
  const count = `${passed} passed${failed > 0 ? `, ${failed} failed` : ""}`;
  context.output.out(`${failed > 0 ? paint(context.output, "red", count) : count}\n`);
  return failed > 0 ? EXIT.failed : EXIT.ok;
};
