// The commands a step runs from inside itself — runyard log, send, receive, artifact save — in
// real runs: real steps call the `runyard` their executor put on PATH, which asks the executor
// over the run's real socket; the timeline, the inbox and artifacts/ are read back from disk.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, REPO, useScratch } from "./cli.js";

const scratch = useScratch();

const mode = (path: string) => statSync(path).mode & 0o777;

interface Event {
  type: string;
  seq: number;
  [field: string]: unknown;
}

function onlyRun(): string {
  const entries = readdirSync(scratch.runsDir);
  expect(entries).toHaveLength(1);
  return join(scratch.runsDir, entries[0] as string);
}

function timeline(directory: string): Event[] {
  return readFileSync(join(directory, "run_summary.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Event);
}

/** Runs `yaml` (written to the scratch directory) with `runyard run --output`. */
async function runWorkflow(yaml: string, args: string[] = []) {
  const file = join(scratch.directory, "workflow.yaml");
  writeFileSync(file, yaml);
  const result = await cli(["run", file, "--output", ...args], {
    runsDir: scratch.runsDir,
    cwd: scratch.directory,
  });
  return { result, directory: onlyRun() };
}

/** The first capture of `stepId` (its stdout), e.g. 000002-consume.out. */
function capture(directory: string, stepId: string, stream: "out" | "err" = "out"): string {
  const name = readdirSync(directory).find((entry) => entry.endsWith(`-${stepId}.${stream}`));
  expect(name).toBeDefined();
  return readFileSync(join(directory, name as string), "utf8");
}

describe("inside a step", () => {
  it("logs, sends, receives and saves artifacts: the timeline, the inbox, artifacts/ and the live view", async () => {
    const { result, directory } = await runWorkflow(`name: in-step
steps:
  produce:
    run: |
      runyard log "mesh has 12 cells"
      runyard log --warn "3 skewed cells" "of 12"
      runyard log --error "two
      lines"
      echo "converged" | runyard send results
      printf 'second, no newline' > second.txt
      runyard send results second.txt
      printf 'other' | runyard send other -
      printf 'a,b\\n1,2\\n' > quality.csv
      runyard artifact save quality.csv
      runyard artifact save quality.csv "copy-$RUNYARD_STEP_ATTEMPT.csv"
  consume:
    needs: produce
    run: |
      runyard receive results
      echo "--"
      runyard receive results --last
      echo "--"
      runyard receive nothing-here
      echo "inbox=$RUNYARD_INBOX_DIR"
`);
    expect(result.stderr).toContain("success in");
    expect(result.code).toBe(0);

    // The live view: each step's log line under its id, a warning and an error marked so.
    expect(result.stderr).toContain("  » produce  mesh has 12 cells\n");
    expect(result.stderr).toContain("  » produce  warn: 3 skewed cells of 12\n");
    expect(result.stderr).toMatch(/ {2}» produce {2}error: two\n {13}lines\n/);
    expect(result.stderr).toContain("  ✉ produce  sent on results (inbox/001-results.txt)\n");
    expect(result.stderr).toContain("  ◆ produce  saved artifacts/quality.csv (8 bytes)\n");

    // The timeline: gapless, one event per request, in the order the step made them.
    const events = timeline(directory);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    const mine = events.filter((event) =>
      ["log", "message-send", "artifact-save"].includes(event.type),
    );
    expect(mine.map(({ runId: _r, seq: _s, ts: _t, ...rest }) => rest)).toEqual([
      { type: "log", level: "info", message: "mesh has 12 cells", stepId: "produce" },
      { type: "log", level: "warn", message: "3 skewed cells of 12", stepId: "produce" },
      { type: "log", level: "error", message: "two\nlines", stepId: "produce" },
      {
        type: "message-send",
        channel: "results",
        sender: "produce",
        file: "inbox/001-results.txt",
      },
      {
        type: "message-send",
        channel: "results",
        sender: "produce",
        file: "inbox/002-results.txt",
      },
      { type: "message-send", channel: "other", sender: "produce", file: "inbox/003-other.txt" },
      { type: "artifact-save", path: "quality.csv", size: 8, stepId: "produce" },
      { type: "artifact-save", path: "copy-1.csv", size: 8, stepId: "produce" },
    ]);

    // The inbox: numbered copies, 0600 in a 0700 directory, nothing staged left behind.
    const inbox = join(directory, "inbox");
    expect(mode(inbox)).toBe(0o700);
    expect(readdirSync(inbox).sort()).toEqual([
      "001-results.txt",
      "002-results.txt",
      "003-other.txt",
    ]);
    expect(readFileSync(join(inbox, "001-results.txt"), "utf8")).toBe("converged\n");
    expect(readFileSync(join(inbox, "002-results.txt"), "utf8")).toBe("second, no newline");
    for (const name of readdirSync(inbox)) expect(mode(join(inbox, name))).toBe(0o600);

    const artifacts = join(directory, "artifacts");
    expect(readdirSync(artifacts).sort()).toEqual(["copy-1.csv", "quality.csv"]);
    for (const name of readdirSync(artifacts)) {
      expect(readFileSync(join(artifacts, name), "utf8")).toBe("a,b\n1,2\n");
      expect(mode(join(artifacts, name))).toBe(0o600);
    }

    // What the later step received: every message in order (a newline added after one that
    // had none), then the last as it was sent; an unused channel gives nothing.
    expect(capture(directory, "consume")).toBe(
      `converged\nsecond, no newline\n--\nsecond, no newline--\ninbox=${inbox}\n`,
    );

    // attach replays the same view from the timeline.
    const attached = await cli(["attach", "latest"], { runsDir: scratch.runsDir });
    expect(attached.stderr).toContain("  » produce  mesh has 12 cells\n");
  });

  it("numbers the messages of steps sending at once without a gap, events in number order", async () => {
    const step = (id: string) => `  ${id}:
    run: for i in 1 2 3 4 5; do echo "${id} $i" | runyard send ${id === "a" ? "left" : "right"}; done
`;
    const { result, directory } = await runWorkflow(
      `name: parallel\nsteps:\n${["a", "b", "c", "d"].map(step).join("")}`,
    );
    expect(result.code, result.stderr).toBe(0);
    const names = readdirSync(join(directory, "inbox")).sort();
    expect(names.map((name) => name.slice(0, 3))).toEqual(
      Array.from({ length: 20 }, (_, index) => String(index + 1).padStart(3, "0")),
    );
    const sends = timeline(directory).filter((event) => event.type === "message-send");
    expect(sends.map((event) => event.file)).toEqual(names.map((name) => `inbox/${name}`));
    // Each step's messages in the order it sent them.
    for (const id of ["a", "b", "c", "d"]) {
      const texts = names
        .map((name) => readFileSync(join(directory, "inbox", name), "utf8"))
        .filter((text) => text.startsWith(`${id} `));
      expect(texts).toEqual([1, 2, 3, 4, 5].map((i) => `${id} ${i}\n`));
    }
  });

  it("puts its own runyard first on PATH, after the workflow's env, once however deep runs nest", async () => {
    const stepBin = join(REPO, "apps", "cli", "dist", "step-bin");
    // The workflow's own PATH: where this node is (the launcher runs `env node`), and the basics.
    const path = `${dirname(process.execPath)}:/usr/bin:/bin`;
    const inner = join(scratch.directory, "inner.yaml");
    const innerPath = join(scratch.directory, "inner-path.txt");
    writeFileSync(inner, `name: inner\nsteps:\n  deep:\n    run: echo "$PATH" > ${innerPath}\n`);
    const { result, directory } = await runWorkflow(`name: path
steps:
  outer:
    env:
      PATH: ${path}
    run: |
      echo "runyard=$(command -v runyard)"
      echo "PATH=$PATH"
      runyard run -q ${inner} --runs-dir ${join(scratch.directory, "inner-runs")}
`);
    expect(result.code, result.stderr).toBe(0);
    expect(capture(directory, "outer")).toBe(
      `runyard=${stepBin}/runyard\nPATH=${stepBin}:${path}\n`,
    );
    expect(readFileSync(innerPath, "utf8")).toBe(`${stepBin}:${path}\n`);
  });

  it("refuses what it must, with a clear message and exit status, and records nothing for it", async () => {
    const { result, directory } = await runWorkflow(`name: refusals
steps:
  first:
    run: |
      echo "$RUNYARD_STEP_SEQ" > first.seq
      printf 'x' > data.txt
      runyard artifact save data.txt taken.txt
  refuse:
    needs: first
    run: |
      try() { "$@"; echo "exit $?" >&2; }
      try runyard send 'bad/channel' < /dev/null
      try runyard send .hidden < /dev/null
      try runyard artifact save data.txt ../escape.txt
      try runyard artifact save data.txt .hidden
      try runyard artifact save missing.txt
      try runyard artifact save .
      try runyard send results missing.txt
      head -c 1048577 /dev/zero > big.bin
      try runyard send results big.bin
      head -c 1048576 /dev/zero | runyard send results && echo "1 MiB sent" >&2
      try runyard artifact save data.txt taken.txt
      try runyard log --warn --error both
      try env RUNYARD_STEP_ID=first RUNYARD_STEP_SEQ="$(cat first.seq)" runyard log "from the past"
      try env RUNYARD_STEP_ID=nobody runyard log "who?"
      try env RUNYARD_STEP_SEQ=99 runyard log "wrong attempt"
      true
`);
    expect(result.code, result.stderr).toBe(0);
    const err = capture(directory, "refuse", "err");
    const expected: [string, number][] = [
      ['error: invalid channel "bad/channel"', 2],
      ['error: invalid channel ".hidden"', 2],
      ['error: invalid artifact name "../escape.txt": it holds a /', 2],
      ['error: invalid artifact name ".hidden": it starts with a dot', 2],
      ["error: cannot open", 4],
      ['error: invalid artifact name "."', 2],
      ["error: cannot open", 4],
      ["error: big.bin is larger than 1048576 bytes (1 MiB)", 3],
      [
        "error: the executor refused: artifacts/taken.txt exists already: a published artifact is never replaced",
        1,
      ],
      ["error: --warn and --error exclude each other", 2],
      ['error: the executor refused: step "first" is not running (it is completed)', 1],
      ['error: the executor refused: this run has no step "nobody"', 1],
      [
        'error: the executor refused: the attempt of step "refuse" with RUNYARD_STEP_SEQ=99 is not running',
        1,
      ],
    ];
    const blocks = err.split(/exit \d+\n/);
    const statuses = [...err.matchAll(/exit (\d+)\n/g)].map((match) => Number(match[1]));
    expect(statuses).toEqual(expected.map(([, status]) => status));
    for (const [index, [message]] of expected.entries()) {
      expect(blocks[index]).toContain(message);
    }
    expect(err).toContain("1 MiB sent");
    expect(err).toContain("missing.txt");

    // Only the 1 MiB message and the first step's artifact made it; nothing staged is left.
    const mine = timeline(directory).filter((event) =>
      ["log", "message-send", "artifact-save"].includes(event.type),
    );
    expect(mine.map((event) => event.type)).toEqual(["artifact-save", "message-send"]);
    expect(readdirSync(join(directory, "inbox"))).toEqual(["001-results.txt"]);
    expect(statSync(join(directory, "inbox", "001-results.txt")).size).toBe(1024 * 1024);
    expect(readdirSync(join(directory, "artifacts"))).toEqual(["taken.txt"]);
    expect(readdirSync(scratch.directory).filter((name) => name.includes("escape"))).toEqual([]);
  });

  it("never writes through a link a step put in place of artifacts/ or inbox/", async () => {
    const outside = join(scratch.directory, "outside");
    const { result, directory } = await runWorkflow(`name: links
steps:
  swap:
    run: |
      mkdir -p ${outside}
      printf 'x' > data.txt
      mv "$RUNYARD_ARTIFACTS_DIR" "$RUNYARD_RUN_DIR/moved"
      ln -s ${outside} "$RUNYARD_ARTIFACTS_DIR"
      ln -s ${outside} "$RUNYARD_INBOX_DIR"
      runyard artifact save data.txt; echo "exit $?" >&2
      echo hi | runyard send results; echo "exit $?" >&2
`);
    expect(result.code, result.stderr).toBe(0);
    const err = capture(directory, "swap", "err");
    expect(err).toMatch(/artifacts is not a directory \(a symbolic link\?\)[\s\S]*exit 1\n/);
    expect(err).toMatch(/inbox is not a directory \(a symbolic link\?\)[\s\S]*exit 1\n/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it("the executor checks a staged file itself: its name, a link, a second name", async () => {
    // A client of its own, past the checks runyard's commands make: what reaches the socket
    // is what the executor must refuse.
    const probe = join(scratch.directory, "probe.mjs");
    writeFileSync(
      probe,
      `import { connect } from "node:net";
const env = process.env;
const base = { stepId: env.RUNYARD_STEP_ID, stepSeq: Number(env.RUNYARD_STEP_SEQ) };
const requests = [
  { type: "step-artifact", id: "name", name: "a.txt", staged: "../../escape.tmp" },
  { type: "step-artifact", id: "link", name: "b.txt", staged: ".staged-1-aaaaaaaa.tmp" },
  { type: "step-artifact", id: "hard", name: "c.txt", staged: ".staged-2-bbbbbbbb.tmp" },
  { type: "step-send", id: "chan", channel: "../x", staged: ".staged-3-cccccccc.tmp" },
];
const socket = connect(env.RUNYARD_SOCKET);
socket.write([{ type: "hello", protocolVersions: [1], client: "probe" }, ...requests.map((r) => ({ ...r, ...base }))].map((m) => JSON.stringify(m) + "\\n").join(""));
let text = "";
let answers = 0;
socket.setEncoding("utf8").on("data", (chunk) => {
  text += chunk;
  const lines = text.split("\\n");
  text = lines.pop();
  for (const line of lines) {
    const message = JSON.parse(line);
    if (message.type === "welcome") continue;
    console.log(message.id + " " + message.type + " " + (message.code ?? "") + " " + (message.message ?? ""));
    if (++answers === requests.length) socket.end();
  }
});
`,
    );
    const outside = join(scratch.directory, "outside.txt");
    writeFileSync(outside, "mine");
    const before = mode(outside);
    const { result, directory } = await runWorkflow(`name: probe
steps:
  probe:
    run: |
      ln -s ${outside} "$RUNYARD_ARTIFACTS_DIR/.staged-1-aaaaaaaa.tmp"
      ln ${outside} "$RUNYARD_ARTIFACTS_DIR/.staged-2-bbbbbbbb.tmp"
      node ${probe} | sort
`);
    expect(result.code, result.stderr).toBe(0);
    expect(capture(directory, "probe")).toBe(
      [
        'chan error E_STEP_REQUEST invalid channel "../x": a channel name has letters, digits, _ . - and starts with a letter or digit',
        "hard error E_STEP_REQUEST the staged artifact has other names (hard links): not published",
        "link error E_STEP_REQUEST the staged artifact is a symbolic link",
        'name error E_STEP_REQUEST "../../escape.tmp" is not a staged file name (.staged-<pid>-<hex>.tmp)',
        "",
      ].join("\n"),
    );
    expect(
      readdirSync(join(directory, "artifacts")).filter((name) => !name.startsWith(".")),
    ).toEqual([]);
    // Untouched: the refusal came before the executor changed anything of it.
    expect(mode(outside)).toBe(before);
    expect(readFileSync(outside, "utf8")).toBe("mine");
  });

  it("says so outside a step (exit 2), and names the socket when the executor is gone (exit 1)", async () => {
    const outside = await cli(["log", "hi"], {
      runsDir: scratch.runsDir,
      env: { RUNYARD_SOCKET: "" },
    });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain("error: not inside a Runyard step: RUNYARD_SOCKET is not set");
    expect(outside.stderr).toContain('docs/workflow.md, "Inside a step"');

    const receive = await cli(["receive", "results"], {
      runsDir: scratch.runsDir,
      env: { RUNYARD_INBOX_DIR: "" },
    });
    expect(receive.code).toBe(2);
    expect(receive.stderr).toContain("not inside a Runyard step");

    const socket = join(scratch.directory, "gone", "ipc.sock");
    const gone = await cli(["log", "hi"], {
      runsDir: scratch.runsDir,
      env: { RUNYARD_SOCKET: socket, RUNYARD_STEP_ID: "build", RUNYARD_STEP_SEQ: "1" },
    });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`error: cannot reach the run's executor at ${socket}`);
  });
});
