// `runyard export --bash`: every example, and workflows that press on the rules where an
// exported script could drift (conditions, loops that fail, output clashes, retries, a missing
// working directory), run by `runyard run` and by the bash script made of it: the same steps
// and instances end the same way, print the same on stdout, leave the same artifacts and
// inbox, and the run returns the same value and exit status. Runs are real and concurrent, each
// in a directory of its own.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "./cli.js";
import { runyardOutcome, scriptOutcome } from "./export-run.js";

const root = mkdtempSync(join(tmpdir(), "runyard-export-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `file` both ways (with `args`, its params) and expects the same outcome. */
async function expectSameRun(name: string, file: string, args: string[] = []): Promise<void> {
  const directory = join(root, name);
  mkdirSync(directory);
  const [runyard, script] = await Promise.all([
    runyardOutcome(file, args, join(directory, "runyard")),
    scriptOutcome(file, args, join(directory, "script")),
  ]);
  const { code, stdout, nodes, artifacts, inbox } = script;
  expect({ code, stdout, nodes, artifacts, inbox }, script.stderr).toEqual(runyard);
}

/** Writes `yaml` as a workflow of its own and runs it both ways. */
async function expectSameWorkflow(name: string, yaml: string): Promise<void> {
  const file = join(root, `wf-${name}.yaml`);
  writeFileSync(file, yaml);
  await expectSameRun(name, file);
}

// Test workflows (*.test.yaml) drive runyard itself (runyard run, logs) from their steps: they
// are for `runyard test`, not for a machine without Runyard; Slurm steps are refused by the
// export (E_EXPORT_SLURM; slurm.test.ts runs that example).
const examples = readdirSync(join(REPO, "examples"))
  .filter((name) => name.endsWith(".yaml") && !name.endsWith(".test.yaml"))
  .filter((name) => !readFileSync(join(REPO, "examples", name), "utf8").includes("backend: slurm"))
  .sort();

describe.concurrent("runyard export --bash, against runyard run", () => {
  it("has examples to compare", () => {
    expect(examples).toContain("hello.yaml");
  });

  it.each(examples)("examples/%s ends the same way", async (example) => {
    await expectSameRun(example, join(REPO, "examples", example));
  });

  it("params given to the export reach the steps as runyard run gives them", async () => {
    await expectSameRun("params-given", join(REPO, "examples/params.yaml"), [
      "-p",
      "mesh=fine",
      "-p",
      "samples=1e3",
      "-p",
      "label=it's $(not) run",
    ]);
  });

  it("conditions: skipped needs, always after a skip, failure paths taken and not", async () => {
    await expectSameWorkflow(
      "conditions",
      `steps:
  ok:
    run: echo ok
  bad:
    run: echo bad; exit 3
  after-bad:
    needs: bad
    run: echo never
  chain:
    needs: after-bad
    run: echo never
  cleanup:
    needs: [chain, ok]
    if: always
    run: echo cleanup
  no-failure:
    needs: ok
    if: failure
    run: echo never
  handler:
    needs: [bad, ok]
    if: failure
    run: echo handled
`,
    );
  });

  it("loops: a failing item, a file loop with odd items, an empty one, one that cannot read", async () => {
    await expectSameWorkflow(
      "loops",
      `steps:
  write:
    run: |
      printf ' alpha \\n\\n# a comment\\nbeta gamma\\r\\nalpha\\n' > "$RUNYARD_RUN_DIR/items.txt"
      : > "$RUNYARD_RUN_DIR/empty.txt"
  some-fail:
    foreach: "1-5:2,x"
    parallel: 2
    run: echo "item $RUNYARD_ITEM of $RUNYARD_ITEM_COUNT"; [ "$RUNYARD_ITEM" != 3 ]
  odd:
    needs: write
    foreach: { file: "\${RUNYARD_RUN_DIR}/items.txt" }
    run: printf '[%s] %s\\n' "$RUNYARD_ITEM_INDEX" "$RUNYARD_ITEM"
  empty:
    needs: write
    foreach: { file: "\${RUNYARD_RUN_DIR}/empty.txt" }
    run: echo never
  missing:
    needs: write
    foreach: { file: "\${RUNYARD_RUN_DIR}/missing.txt" }
    run: echo never
  after-loops:
    needs: [odd, empty]
    run: echo joined
  on-loop-failure:
    needs: some-fail
    if: failure
    run: echo "a loop failed"
`,
    );
  });

  it("outputs: the later step in the file wins, a step's env wins over all, bad lines", async () => {
    await expectSameWorkflow(
      "outputs",
      `return: { step: loop, output: LAST }
steps:
  late:
    needs: early
    run: |
      echo "SHARED=from late" >> "$RUNYARD_OUTPUT"
  early:
    run: |
      printf 'SHARED=from early\\nPINNED=from output\\nRUNYARD_X=no\\n2BAD=no\\nnot a line\\n' >> "$RUNYARD_OUTPUT"
      printf 'MULTI<<END\\nline one\\n  line two  \\nEND\\n' >> "$RUNYARD_OUTPUT"
  reader:
    needs: [late, early]
    env: { PINNED: from env }
    run: printf '%s|%s|%s|%s\\n' "$SHARED" "$PINNED" "\${RUNYARD_X-unset}" "$MULTI"
  loop:
    needs: reader
    foreach: [a, b, c]
    run: echo "LAST=$RUNYARD_ITEM" >> "$RUNYARD_OUTPUT"; echo "$SHARED"
  failed:
    run: echo "LOST=yes" >> "$RUNYARD_OUTPUT"; exit 1
  after-failed:
    needs: failed
    if: always
    run: echo "\${LOST-unset} $MULTI"
  handler:
    needs: failed
    if: failure
    run: echo handled
`,
    );
  });

  it("retries and a working directory that does not exist", async () => {
    await expectSameWorkflow(
      "retries",
      `steps:
  flaky:
    retries: 2
    run: echo "attempt $RUNYARD_STEP_ATTEMPT"; [ "$RUNYARD_STEP_ATTEMPT" -ge 2 ]
  hopeless:
    retries: 1
    retryDelay: 100ms
    run: echo "attempt $RUNYARD_STEP_ATTEMPT"; exit 4
  nowhere:
    cwd: no/such/directory
    retries: 1
    run: echo never
  slow:
    timeout: 300ms
    retries: 1
    run: echo "attempt $RUNYARD_STEP_ATTEMPT"; sleep 5
`,
    );
  });

  it("hostile values reach the steps as written, and none of them runs", async () => {
    const directory = join(root, "hostile $(touch PWNED) 'it' \"x\"");
    mkdirSync(directory);
    writeFileSync(join(directory, "items.txt"), "it's\n$(touch PWNED)\n`touch PWNED`\na  b\n*\n");
    const file = join(directory, "wf.yaml");
    const evil = "\"$(touch PWNED)\" `touch PWNED` '; touch PWNED; ' \\ ! * ~ %s";
    writeFileSync(
      file,
      `name: "evil\\n$(touch PWNED)"
params:
  p: { default: x }
  where: { default: "." }
env:
  E: ${JSON.stringify(evil)}
steps:
  a.b-c_1:
    name: "two\\nlines $(touch PWNED)"
    env: { S: "line one\\nline two $(touch PWNED) '" }
    run: |
      printf '<%s>\\n' "$p" "$E" "$S"
      cat <<'EOF'
      EOF'$(touch PWNED)
      EOF
      echo "OUT=$p" >> "$RUNYARD_OUTPUT"
  listed:
    foreach: ["it's", "$(touch PWNED)", "a  b", "*", "x\\ny", ""]
    run: printf '<%s>\\n' "$RUNYARD_ITEM"
  from-file:
    needs: a.b-c_1
    foreach: { file: "\${where}/items.txt" }
    run: printf '<%s|%s>\\n' "$RUNYARD_ITEM" "$OUT"
`,
    );
    await expectSameRun("hostile", file, [
      "-p",
      `p=${evil}\nnext line`,
      "-p",
      `where=${directory}`,
    ]);
    expect(existsSync(join(directory, "PWNED"))).toBe(false);
    expect(existsSync(join(REPO, "PWNED"))).toBe(false);
  });

  it("runyard log, send, receive and artifact save in a step succeed and fail as Runyard's do", async () => {
    await expectSameWorkflow(
      "in-step",
      `steps:
  talk:
    run: |
      cd "$(mktemp -d)"
      echo data > data.txt; mkdir folder; head -c 1100000 /dev/zero > big.bin
      # Each a process of its own: those that change nothing side by side, the rest in turn.
      try() { local n=$1; shift; { "$@" >/dev/null 2>&1 </dev/null; echo "$*: $?"; } > "result.$n"; }
      try 1 runyard log &
      try 2 runyard log --warn --error both &
      try 3 runyard log --warn "a warning" &
      try 4 runyard send a/b data.txt &
      try 5 runyard send channel missing.txt &
      try 6 runyard send channel big.bin &
      try 7 runyard receive nothing --last &
      try 8 runyard receive nothing &
      try 9 runyard artifact save missing.txt &
      try 10 runyard artifact save data.txt .hidden &
      try 11 runyard artifact save folder &
      try 12 runyard artifact keep data.txt &
      wait
      try 13 runyard send channel data.txt
      try 14 runyard artifact save data.txt
      try 15 runyard artifact save data.txt
      echo second | runyard send channel; echo "send from stdin: $?" > result.16
      for i in $(seq 16); do cat "result.$i"; done
  listen:
    needs: talk
    run: |
      runyard receive channel; echo "receive: $?"
      runyard receive channel --last; echo "receive --last: $?"
`,
    );
  });
});
