import { describe, expect, it } from "vitest";
import { formatProblem } from "./errors.js";
import { HOOK_TIMEOUT_DEFAULT_MS, hookName, launchHooks } from "./hooks.js";
import { parseProjectConfig } from "./project-config.js";
import { parseUserConfig } from "./user-config-parse.js";

const file = "/home/ada/.runyard/config.yaml";

/** The problems of a config text, as the CLI prints them. */
function report(text: string): string[] {
  const result = parseUserConfig(text, file, "/home/ada");
  return result.ok ? [] : result.problems.map((problem) => formatProblem(file, problem));
}

describe("hooks in the user's config", () => {
  it("takes a list of hooks, `on` an event or a list of them, and hooksParallel", () => {
    const result = parseUserConfig(
      [
        "hooksParallel: 2",
        "hooks:",
        "  - on: step-failed",
        "    run: notify-send failed",
        "  - name: archive",
        "    on: [run-end, run-failed]",
        "    run: ./archive.sh",
        "    timeout: 2m",
        "",
      ].join("\n"),
      file,
    );
    expect(result).toEqual({
      ok: true,
      config: {
        hooksParallel: 2,
        hooks: [
          { on: "step-failed", run: "notify-send failed" },
          { name: "archive", on: ["run-end", "run-failed"], run: "./archive.sh", timeout: "2m" },
        ],
      },
    });
  });

  it("names the file, the line and the field of every mistake", () => {
    expect(
      report(
        [
          "hooks:",
          "  - on: step-fail",
          "    run: echo",
          "  - on: [run-end, stepend]",
          "    run: echo",
          "  - on: run-end",
          "    command: echo",
          "  - on: run-end",
          "    run: echo",
          "    timeout: 1h",
          "hooksParallel: 0",
          "",
        ].join("\n"),
      ),
    ).toEqual([
      `${file}:2:9: hooks[0].on: expected one of "run-start", "step-start", "step-end", "step-failed", "run-end", "run-failed", found "step-fail" (did you mean "step-failed"?)`,
      `${file}:4:19: hooks[1].on[1]: expected one of "run-start", "step-start", "step-end", "step-failed", "run-end", "run-failed", found "stepend" (did you mean "step-end"?)`,
      `${file}:6:5: hooks[2]: missing required key "run"`,
      `${file}:7:5: hooks[2].command: unknown key "command" (did you mean "run"?)`,
      `${file}:10:14: hooks[3].timeout: expected at most 5m: the executor waits for its hooks before it exits, found "1h"`,
      `${file}:11:16: hooksParallel: expected 1 or more, found the number 0`,
    ]);
  });
});

describe("a project's .runyard.yaml", () => {
  it("may set hooks and nothing else", () => {
    expect(parseProjectConfig("hooks:\n  - on: run-end\n    run: make notify\n")).toEqual({
      ok: true,
      config: { hooks: [{ on: "run-end", run: "make notify" }] },
    });
    const refused = parseProjectConfig("hooksParallel: 64\n");
    expect(refused.ok ? [] : refused.problems).toEqual([
      {
        path: "hooksParallel",
        message: 'unknown key "hooksParallel" (expected one of hooks)',
        line: 1,
        column: 1,
      },
    ]);
    expect(parseProjectConfig("# nothing yet\n")).toEqual({ ok: true, config: {} });
  });
});

describe("launchHooks", () => {
  it("resolves what the executor needs: a list of events, milliseconds, a directory, a name", () => {
    expect(
      launchHooks(
        [
          { on: "run-end", run: "  ./notify.sh --all\n  second line" },
          { name: "x", on: ["run-end", "step-end", "run-end"], run: "true", timeout: 0.5 },
        ],
        "/p/.runyard.yaml",
        "/p",
      ),
    ).toEqual([
      {
        name: "./notify.sh --all",
        on: ["run-end"],
        run: "  ./notify.sh --all\n  second line",
        timeoutMs: HOOK_TIMEOUT_DEFAULT_MS,
        cwd: "/p",
        source: "/p/.runyard.yaml",
      },
      {
        name: "x",
        on: ["run-end", "step-end"],
        run: "true",
        timeoutMs: 500,
        cwd: "/p",
        source: "/p/.runyard.yaml",
      },
    ]);
    expect(hookName({ run: "x".repeat(80) })).toBe(`${"x".repeat(59)}…`);
  });
});
