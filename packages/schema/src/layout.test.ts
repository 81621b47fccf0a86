import { join } from "node:path";
import { v7 as uuidv7 } from "uuid";
import { describe, expect, it } from "vitest";
import {
  artifactNameProblem,
  captureFileNames,
  channelProblem,
  ENV,
  InvalidRunIdError,
  inboxFileName,
  isRunId,
  parseCaptureFileName,
  parseInboxFileName,
  parseRunId,
  RUN_FILES,
  resolveRunsRoot,
  runDirectory,
} from "./layout.js";

describe("resolveRunsRoot", () => {
  const base = { cwd: "/work", homeDirectory: "/home/ada" };

  it("prefers RUNYARD_RUNS_DIR over the config, RUNYARD_HOME and the default", () => {
    expect(
      resolveRunsRoot({
        ...base,
        env: { RUNYARD_RUNS_DIR: "/scratch/runs", RUNYARD_HOME: "/opt/runyard" },
        configRunsDir: "/config/runs",
      }),
    ).toEqual({ path: "/scratch/runs", source: "env" });
  });

  it("uses the config's runsDir when RUNYARD_RUNS_DIR is unset or empty", () => {
    for (const env of [{}, { RUNYARD_RUNS_DIR: "" }]) {
      expect(
        resolveRunsRoot({
          ...base,
          env: { ...env, RUNYARD_HOME: "/opt/runyard" },
          configRunsDir: "/config/runs",
        }),
      ).toEqual({ path: "/config/runs", source: "config" });
    }
  });

  it("falls back to $RUNYARD_HOME/runs, then ~/.runyard/runs", () => {
    expect(resolveRunsRoot({ ...base, env: { RUNYARD_HOME: "/opt/runyard" } })).toEqual({
      path: "/opt/runyard/runs",
      source: "home",
    });
    expect(resolveRunsRoot({ ...base, env: {} })).toEqual({
      path: "/home/ada/.runyard/runs",
      source: "default",
    });
  });

  it("makes relative settings absolute against the working directory", () => {
    expect(resolveRunsRoot({ ...base, env: { RUNYARD_RUNS_DIR: "runs" } }).path).toBe("/work/runs");
    expect(resolveRunsRoot({ ...base, env: {}, configRunsDir: "../runs" }).path).toBe("/runs");
    expect(resolveRunsRoot({ ...base, env: { RUNYARD_HOME: ".ry" } }).path).toBe("/work/.ry/runs");
  });
});

describe("run ids", () => {
  it("accepts the UUIDv7 a run gets, and trims the whitespace a copy-paste brings", () => {
    const id = uuidv7();
    expect(isRunId(id)).toBe(true);
    expect(parseRunId(id)).toBe(id);
    expect(parseRunId(` ${id}\n`)).toBe(id);
  });

  it.each([
    ["path traversal", "../x"],
    ["a path", "a/b"],
    ["empty", ""],
    ["dot", "."],
    ["dot dot", ".."],
    ["uppercase", "019A1B2C-3D4E-7F00-8A00-0123456789AB"],
    ["a bad variant nibble", "019a1b2c-3d4e-7f00-0a00-0123456789ab"],
    ["version 0", "019a1b2c-3d4e-0f00-8a00-0123456789ab"],
    ["no dashes", "019a1b2c3d4e7f008a000123456789ab"],
    ["a uuid then traversal", "019a1b2c-3d4e-7f00-8a00-0123456789ab/../../etc"],
    ["a trailing slash", "019a1b2c-3d4e-7f00-8a00-0123456789ab/"],
    ["a NUL byte", "019a1b2c-3d4e-7f00-8a00-0123456789ab\u0000"],
    ["braces", "{019a1b2c-3d4e-7f00-8a00-0123456789ab}"],
  ])("rejects %s", (_, value) => {
    expect(isRunId(value)).toBe(false);
    expect(() => parseRunId(value)).toThrow(InvalidRunIdError);
  });

  it("says what a run id looks like", () => {
    expect(() => parseRunId("../x")).toThrow(
      'not a run id: "../x" (expected a lowercase UUID such as 019a1b2c-3d4e-7f00-8a00-0123456789ab)',
    );
    expect(() => parseRunId("../x")).toThrow(expect.objectContaining({ code: "E_INVALID_RUN_ID" }));
  });

  it("builds runs/<runId> only from an absolute root and a valid id", () => {
    const id = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
    expect(runDirectory("/home/ada/.runyard/runs", id)).toBe(join("/home/ada/.runyard/runs", id));
    expect(() => runDirectory("runs", id)).toThrow("runs root must be absolute: runs");
    expect(() => runDirectory("/runs", "../../etc")).toThrow(InvalidRunIdError);
  });
});

describe("file names in a run directory", () => {
  it("names every file of the contract", () => {
    expect(RUN_FILES).toEqual({
      meta: "meta.json",
      status: "status.json",
      workflow: "workflow.yaml",
      socket: "ipc.sock",
      heartbeat: "heartbeat",
      summary: "run_summary.jsonl",
      artifacts: "artifacts",
      inbox: "inbox",
      returnValue: "return_value.txt",
      executorLog: "executor.log",
      hooksLog: "hooks.log",
      launch: "launch.json",
      lock: "run.lock",
      reserve: ".disk-reserve",
    });
  });

  it("numbers captures with six digits, growing past a million", () => {
    expect(captureFileNames(1, "build")).toEqual({
      out: "000001-build.out",
      err: "000001-build.err",
    });
    expect(captureFileNames(42, "post.v2_final-1")).toEqual({
      out: "000042-post.v2_final-1.out",
      err: "000042-post.v2_final-1.err",
    });
    expect(captureFileNames(1_234_567, "a").out).toBe("1234567-a.out");
  });

  it("refuses capture names that could escape the run directory or collide", () => {
    expect(() => captureFileNames(0, "build")).toThrow("capture seq must be a positive integer: 0");
    expect(() => captureFileNames(1.5, "build")).toThrow(
      "capture seq must be a positive integer: 1.5",
    );
    expect(() => captureFileNames(1, "../build")).toThrow('invalid step id: "../build"');
    expect(() => captureFileNames(1, "a/b")).toThrow('invalid step id: "a/b"');
    expect(() => captureFileNames(1, "")).toThrow('invalid step id: ""');
  });

  it("parses capture names back, and nothing else", () => {
    expect(parseCaptureFileName("000007-build.err")).toEqual({
      seq: 7,
      stepId: "build",
      stream: "err",
    });
    expect(parseCaptureFileName("1234567-a.b.out")).toEqual({
      seq: 1_234_567,
      stepId: "a.b",
      stream: "out",
    });
    for (const name of [
      "01-build.out",
      "000001-.out",
      "000001-build.log",
      "000001-_x.out",
      "meta.json",
    ]) {
      expect(parseCaptureFileName(name)).toBeUndefined();
    }
  });

  it("numbers inbox files with three digits and the channel name", () => {
    expect(inboxFileName(1, "results")).toBe("001-results.txt");
    expect(inboxFileName(1000, "results")).toBe("1000-results.txt");
    expect(() => inboxFileName(0, "results")).toThrow("inbox index must be a positive integer: 0");
    expect(() => inboxFileName(1, "../results")).toThrow('invalid channel: "../results"');
  });

  it("parses inbox names back, and nothing else", () => {
    expect(parseInboxFileName("001-results.txt")).toEqual({ index: 1, channel: "results" });
    expect(parseInboxFileName("1000-a.b_c-d.txt")).toEqual({ index: 1000, channel: "a.b_c-d" });
    for (const name of ["01-results.txt", "001-.txt", "001-results", ".staged-1-abcdef12.tmp"])
      expect(parseInboxFileName(name)).toBeUndefined();
  });

  it("takes channel names by the step id rule", () => {
    expect(channelProblem("results-2.final")).toBeUndefined();
    for (const channel of ["", "a/b", "../x", ".hidden", "-x", "a b", "x".repeat(101)])
      expect(channelProblem(channel)).toBeDefined();
  });

  it("takes an artifact name that is one visible file name", () => {
    for (const name of ["report.csv", "a b (1).txt", "ünïcode", "x".repeat(255)])
      expect(artifactNameProblem(name)).toBeUndefined();
    expect(artifactNameProblem("../x")).toContain("holds a /");
    expect(artifactNameProblem("a/b")).toContain("holds a /");
    expect(artifactNameProblem("..")).toContain("not a file name");
    expect(artifactNameProblem(".env")).toContain("starts with a dot");
    expect(artifactNameProblem("")).toBe("it is empty");
    expect(artifactNameProblem("a\nb")).toContain("control character");
    expect(artifactNameProblem("é".repeat(128))).toContain("longer than 255 bytes");
  });
});

describe("environment variables", () => {
  it("are the seed's Jaiph variables under the RUNYARD_ prefix, plus step detail", () => {
    expect(ENV).toEqual({
      runsDir: "RUNYARD_RUNS_DIR",
      home: "RUNYARD_HOME",
      config: "RUNYARD_CONFIG",
      runId: "RUNYARD_RUN_ID",
      runDir: "RUNYARD_RUN_DIR",
      artifactsDir: "RUNYARD_ARTIFACTS_DIR",
      summaryFile: "RUNYARD_RUN_SUMMARY_FILE",
      inboxDir: "RUNYARD_INBOX_DIR",
      returnValueFile: "RUNYARD_RETURN_VALUE_FILE",
      workflowId: "RUNYARD_WORKFLOW_ID",
      stepId: "RUNYARD_STEP_ID",
      stepSeq: "RUNYARD_STEP_SEQ",
      attempt: "RUNYARD_STEP_ATTEMPT",
      backend: "RUNYARD_BACKEND",
      output: "RUNYARD_OUTPUT",
      item: "RUNYARD_ITEM",
      itemIndex: "RUNYARD_ITEM_INDEX",
      itemCount: "RUNYARD_ITEM_COUNT",
      socket: "RUNYARD_SOCKET",
      hookName: "RUNYARD_HOOK_NAME",
      hookEvent: "RUNYARD_HOOK_EVENT",
    });
  });
});
