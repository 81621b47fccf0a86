// testWorkflow: the harness for testing a workflow, as Jaiph's test runner runs one — a real
// run (real processes, a real run directory) under a runs root of its own that nothing else
// shares, with no live output, handed back for assertions: its final status, its typed events
// as the timeline recorded them, each step's output, outputs and return value. `runyard test`
// runs test workflows with it; a TypeScript test calls it directly.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { EventOf, RunEvent, RunEventType } from "@runyard/protocol";
import {
  ENV,
  type FinalStatus,
  RUN_FILES,
  type RunMeta,
  type RunStatus,
  RunyardError,
} from "@runyard/schema";
import { capturePaths, readReturnValue, readSummary } from "@runyard/store";
import type { Backend } from "./backend.js";
import { runWorkflow } from "./run-workflow.js";

/** A workflow written out in the test rather than in a file of its own. */
export interface WorkflowText {
  /** The workflow, as YAML (or JSON) text. */
  source: string;
  /**
   * The directory its file is taken to be in: relative `cwd`s and a step's default working
   * directory resolve against it. Default: the run's temporary directory.
   */
  directory?: string;
}

export interface TestWorkflowOptions {
  /** Param values (NAME → value); defaults fill the rest, as for any run. */
  params?: Readonly<Record<string, string>>;
  /**
   * The environment steps start from (default process.env). RUNYARD_RUNS_DIR is always the
   * harness's runs root, so a step's own `runyard run` lands there too and goes with it.
   */
  env?: NodeJS.ProcessEnv;
  /** Cancel the run after this long (its status is then "cancelled"). Default: no limit. */
  timeoutMs?: number;
  /** Aborting cancels the run. */
  signal?: AbortSignal;
  /** Steps running at once (default os.availableParallelism()). */
  maxParallel?: number;
  /** Between SIGTERM and SIGKILL when the run is cancelled (default 1000 ms). */
  killGraceMs?: number;
  /** Where the `runyard` for steps is (see RunWorkflowOptions.binDirectory). */
  binDirectory?: string;
  /** Backends by name; default { local }. */
  backends?: Readonly<Record<string, Backend>>;
}

/** The captures to read: stdout (default) or stderr, of the latest attempt or of one. */
export interface StepOutputOptions {
  stream?: "out" | "err";
  /** 1 for the first attempt; default the latest. */
  attempt?: number;
}

/** A finished test run, for assertions. Call cleanup() (or `await using`) when done. */
export interface WorkflowTestRun {
  readonly runId: string;
  /** The run directory, whole: every file the contract names. */
  readonly runDirectory: string;
  /** The temporary runs root it is in; cleanup() removes it. */
  readonly runsRoot: string;
  /** How the run ended. */
  readonly status: FinalStatus;
  /** meta.json as the executor left it. */
  readonly meta: RunMeta;
  /** status.json's steps as the executor left them, in workflow order. */
  readonly steps: RunStatus["steps"];
  /** Every event of run_summary.jsonl, in seq order, checked against its schema. */
  readonly events: readonly RunEvent[];
  /** What each completed step wrote to RUNYARD_OUTPUT, by step id; {} for none. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** return_value.txt, or null when the run has none (or did not succeed). */
  readonly returnValue: string | null;
  /** The events of one type, typed: `eventsOf("step-end")`. */
  eventsOf<T extends RunEventType>(type: T): EventOf<T>[];
  /** A step's entry in status.json (a foreach instance's by its id, `mesh[fine]`). */
  step(id: string): RunStatus["steps"][number];
  /** What a step attempt wrote to stdout (or stderr), as UTF-8 text. */
  stepOutput(id: string, options?: StepOutputOptions): Promise<string>;
  /** The path of that capture file, to read some of it, or its bytes. */
  stepCapture(id: string, options?: StepOutputOptions): string;
  /** Removes the runs root, run directory and all. */
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A step the test names is not in the run, or has no capture to read. */
export class WorkflowTestError extends RunyardError {
  constructor(message: string) {
    super("E_WORKFLOW_TEST", message);
  }
}

function isKnown(event: { type: string }): event is RunEvent {
  return event.type !== "unknown";
}

/**
 * Runs `workflow` (a file, or text) to its end under a new temporary runs root and returns
 * the run for assertions. Throws what runWorkflow throws for a run refused before it started
 * (an invalid workflow, a bad param), after removing the runs root.
 */
export async function testWorkflow(
  workflow: string | WorkflowText,
  options: TestWorkflowOptions = {},
): Promise<WorkflowTestRun> {
  const root = await mkdtemp(join(tmpdir(), "runyard-test-"));
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    // Text is run as if it were workflow.yaml in its directory; nothing is written there.
    const file =
      typeof workflow === "string"
        ? { workflowFile: resolve(workflow) }
        : {
            workflowFile: join(resolve(workflow.directory ?? root), RUN_FILES.workflow),
            workflowSource: workflow.source,
          };
    const runsRoot = join(root, "runs");
    const signals = [options.signal, timeoutSignal(options.timeoutMs)].filter(
      (signal): signal is AbortSignal => signal !== undefined,
    );
    const result = await runWorkflow({
      ...file,
      runsRoot,
      env: { ...(options.env ?? process.env), [ENV.runsDir]: runsRoot },
      killGraceMs: options.killGraceMs ?? 1000,
      ...(options.params === undefined ? {} : { params: options.params }),
      ...(signals.length === 0 ? {} : { signal: AbortSignal.any(signals) }),
      ...(options.maxParallel === undefined ? {} : { maxParallel: options.maxParallel }),
      ...(options.binDirectory === undefined ? {} : { binDirectory: options.binDirectory }),
      ...(options.backends === undefined ? {} : { backends: options.backends }),
    });
    return await finishedRun(runsRoot, result, cleanup);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function timeoutSignal(timeoutMs: number | undefined): AbortSignal | undefined {
  if (timeoutMs === undefined) return undefined;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, not ${timeoutMs}`);
  return AbortSignal.timeout(timeoutMs);
}

async function finishedRun(
  runsRoot: string,
  result: Awaited<ReturnType<typeof runWorkflow>>,
  cleanup: () => Promise<void>,
): Promise<WorkflowTestRun> {
  const directory = result.runDirectory;
  const summary = await readSummary(join(directory, RUN_FILES.summary));
  const problems = [...summary.problems, ...(summary.torn ? ["its last line is torn"] : [])];
  if (problems.length > 0) {
    // The record is what a test asserts on: a damaged one is a failure of its own.
    throw new WorkflowTestError(
      `run_summary.jsonl of ${directory} cannot be read whole: ${problems.join("; ")}`,
    );
  }
  const events = summary.events.filter(isKnown);
  const steps = result.status.steps;
  const outputs: Record<string, Record<string, string>> = {};
  for (const step of steps) outputs[step.nodeId] = step.outputs ?? {};
  const step = (id: string) => {
    const found = steps.find((entry) => entry.nodeId === id);
    if (found === undefined) {
      const known = steps.map((entry) => entry.nodeId).join(", ");
      throw new WorkflowTestError(`no step "${id}" in the run (its steps: ${known})`);
    }
    return found;
  };
  const stepCapture = (id: string, options: StepOutputOptions = {}) => {
    const entry = step(id);
    const starts = events.filter(
      (event): event is EventOf<"step-start"> => event.type === "step-start" && event.stepId === id,
    );
    const start =
      options.attempt === undefined
        ? starts.at(-1)
        : starts.find((event) => event.attempt === options.attempt);
    if (start === undefined) {
      const which = options.attempt === undefined ? "" : ` attempt ${options.attempt}`;
      const why = entry.reason === undefined ? entry.status : `${entry.status}: ${entry.reason}`;
      throw new WorkflowTestError(`step "${id}"${which} never started (${why})`);
    }
    const paths = capturePaths(directory, start.captureSeq, id);
    return options.stream === "err" ? paths.err : paths.out;
  };
  return {
    runId: result.runId,
    runDirectory: directory,
    runsRoot,
    status: result.finalStatus,
    meta: result.meta,
    steps,
    events,
    outputs,
    returnValue: await readReturnValue(directory),
    eventsOf: <T extends RunEventType>(type: T) =>
      events.filter((event): event is EventOf<T> => event.type === type),
    step,
    stepCapture,
    stepOutput: async (id, outputOptions) => readFile(stepCapture(id, outputOptions), "utf8"),
    cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
}
