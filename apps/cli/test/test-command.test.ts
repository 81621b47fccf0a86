// `runyard test` on real test workflows: which pass, why one failed and what its steps wrote,
// that every run (a step's own `runyard run` too) stays in the test's own runs root and goes
// with it, and the errors for nothing to test.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { cli, REPO, startCli, useScratch } from "./cli.js";

const scratch = useScratch();

const FLOW = `name: flow
params:
  n: 2
return: { step: count, output: TOTAL }
steps:
  count:
    run: echo "TOTAL=$n" >> "$RUNYARD_OUTPUT"
`;

/** A project: flows/flow.yaml and tests/ with a passing, a failing and an invalid test. */
function project() {
  const root = join(scratch.directory, "project");
  const temporary = join(scratch.directory, "tmp");
  mkdirSync(temporary);
  for (const directory of ["flows", "tests/more", "tests/.hidden", "tests/node_modules"]) {
    mkdirSync(join(root, directory), { recursive: true });
  }
  writeFileSync(join(root, "flows", "flow.yaml"), FLOW);
  writeFileSync(
    join(root, "tests", "returns.test.yaml"),
    `name: flow returns n
steps:
  run:
    run: runyard run ../flows/flow.yaml -q -p n=3 > value.txt
  check:
    needs: run
    run: test "$(cat value.txt)" = 3
`,
  );
  writeFileSync(
    join(root, "tests", "more", "wrong.test.yaml"),
    `steps:
  check:
    run: |
      for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "line $i"; done
      echo "expected 4, got 3" >&2
      exit 1
  after:
    needs: check
    run: echo never
`,
  );
  writeFileSync(
    join(root, "tests", "more", "invalid.test.yml"),
    "steps:\n  a: {run: x, needs: b}\n",
  );
  // Not tests: the wrong name, or where tests are not looked for.
  writeFileSync(join(root, "tests", "helper.yaml"), "steps:\n  a: {run: exit 1}\n");
  writeFileSync(join(root, "tests", ".hidden", "x.test.yaml"), "steps:\n  a: {run: exit 1}\n");
  writeFileSync(join(root, "tests", "node_modules", "x.test.yaml"), "steps:\n  a: {run: exit 1}\n");
  // Where the harness makes its runs roots, to see them go.
  const options = { runsDir: scratch.runsDir, cwd: root, env: { TMPDIR: temporary } };
  return { root, temporary, options };
}

describe("runyard test", () => {
  it("runs every test workflow under a directory and says which passed, and why one failed", async () => {
    const { temporary, options } = project();
    const result = await cli(["test", "tests"], options);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("");
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^✗ tests\/more\/invalid\.test\.yml {2}refused$/);
    expect(lines[1]).toMatch(/^ {4}.*invalid\.test\.yml:2:\d+: steps\.a\.needs: unknown step "b"/);
    expect(lines[2]).toMatch(
      /^✗ tests\/more\/wrong\.test\.yaml {2}\d+\.\ds {2}failed: step check failed \(exit 1\)$/,
    );
    // The last ten lines of its stdout, then its stderr, each with the step's name.
    expect(lines.slice(3, 14)).toEqual([
      ...[3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((i) => `    check │ line ${i}`),
      "    check │ expected 4, got 3",
    ]);
    expect(lines[14]).toMatch(/^✓ tests\/returns\.test\.yaml {2}\d+\.\ds$/);
    expect(lines[15]).toBe("1 passed, 2 failed");
    expect(lines).toHaveLength(16);
    // Every run went to the tests' own runs roots, and they are gone; the user's is untouched.
    expect(readdirSync(temporary)).toEqual([]);
    expect(existsSync(scratch.runsDir)).toBe(false);
  });

  it("runs the files given; --keep keeps the run, -q prints only what failed", async () => {
    const { temporary, options } = project();
    const passed = await cli(["test", "tests/returns.test.yaml", "--keep"], options);
    expect(passed.code).toBe(0);
    const [line, kept, count] = passed.stdout.trimEnd().split("\n");
    expect(line).toMatch(/^✓ tests\/returns\.test\.yaml {2}/);
    const runDirectory = kept?.match(/^ {4}kept: (.*)$/)?.[1] ?? "";
    expect(runDirectory.startsWith(temporary)).toBe(true);
    expect(existsSync(join(runDirectory, "meta.json"))).toBe(true);
    expect(count).toBe("1 passed");
    // The run the test's step started is in the same runs root, beside the test's own.
    expect(readdirSync(join(runDirectory, ".."))).toHaveLength(2);

    const quiet = await cli(
      ["test", "-q", "tests/returns.test.yaml", "tests/more/wrong.test.yaml"],
      options,
    );
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).not.toContain("returns.test.yaml");
    expect(quiet.stdout).toMatch(
      /^✗ tests\/more\/wrong\.test\.yaml .*\n(.*\n)*1 passed, 1 failed\n$/,
    );
  });

  it("cancels the running test on Ctrl-C and starts no more", async () => {
    const { root, temporary, options } = project();
    writeFileSync(join(root, "tests", "a-slow.test.yaml"), "steps:\n  wait:\n    run: sleep 30\n");
    const { child, done } = startCli(["test", "tests"], options);
    // Once the slow test's step runs (its capture exists), interrupt.
    await vi.waitFor(
      () => {
        const [made] = readdirSync(temporary);
        const runs = made === undefined ? [] : readdirSync(join(temporary, made, "runs"));
        const [run] = runs;
        if (
          run === undefined ||
          !existsSync(join(temporary, made ?? "", "runs", run, "000001-wait.out"))
        )
          throw new Error("not started yet");
      },
      { timeout: 10_000, interval: 50 },
    );
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toBe("runyard: interrupted; the test that was running was cancelled\n");
    expect(result.stdout).toBe("");
    expect(readdirSync(temporary)).toEqual([]);
  });

  it("passes the example test of decision.yaml, leaving nothing in examples/", async () => {
    const temporary = join(scratch.directory, "tmp");
    mkdirSync(temporary);
    const before = readdirSync(join(REPO, "examples"));
    const result = await cli(["test", "examples"], {
      runsDir: scratch.runsDir,
      env: { TMPDIR: temporary },
    });
    expect(result.stdout).toMatch(/^✓ examples\/decision\.test\.yaml {2}\d+\.\ds\n1 passed\n$/);
    expect(result.code).toBe(0);
    expect(readdirSync(join(REPO, "examples"))).toEqual(before);
    expect(readdirSync(temporary)).toEqual([]);
  });

  it("refuses a path that does not exist, and a directory without tests", async () => {
    const { options } = project();
    const missing = await cli(["test", "nowhere"], options);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain("error: no such file or directory: nowhere\n");
    const none = await cli(["test", "flows"], options);
    expect(none.code).toBe(4);
    expect(none.stderr).toContain("error: no test workflows (*.test.yaml) in flows\n");
  });
});
