import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it, vi } from "vitest";
import { RunEndedJsonSchema } from "../src/index.js";
import { BIN, cli, REPO, startCli, useScratch } from "./cli.js";

const require = createRequire(import.meta.url);
const loadSchema = (name: string) =>
  JSON.parse(
    readFileSync(require.resolve(`@runyard/schema/schemas/${name}.schema.json`), "utf8"),
  ) as object;

const scratch = useScratch();

function runEventValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const schema = JSON.parse(
    readFileSync(require.resolve("@runyard/protocol/schemas/run-event.schema.json"), "utf8"),
  ) as object;
  return ajv.compile(schema);
}

/** Whether a small tmpfs can be mounted here in a private mount namespace (for a full disk). */
function canMountTmpfs(): boolean {
  const probe = spawnSync(
    "unshare",
    ["--user", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /tmp"],
    { stdio: "ignore" },
  );
  return probe.status === 0;
}

function onlyRun(): string {
  const entries = readdirSync(scratch.runsDir);
  expect(entries).toHaveLength(1);
  return join(scratch.runsDir, entries[0] as string);
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe("runyard run", () => {
  it.each(["000", "077", "022"])(
    "runs examples/hello.yaml and leaves a complete run directory (umask %s)",
    async (umask) => {
      const result = await cli(["run", "examples/hello.yaml"], { runsDir: scratch.runsDir, umask });
      expect(result.stderr).toContain("success in");
      expect(result.code).toBe(0);
      const directory = onlyRun();
      const names = readdirSync(directory).sort();
      expect(names).toEqual(
        expect.arrayContaining([
          "000001-greet.err",
          "000001-greet.out",
          "artifacts",
          "meta.json",
          "run_summary.jsonl",
          "status.json",
          "workflow.yaml",
        ]),
      );
      expect(
        names
          .filter((name) => /^\d{6}-/.test(name))
          .map((name) => name.slice(7))
          .sort(),
      ).toEqual(["count.err", "count.out", "greet.err", "greet.out", "report.err", "report.out"]);
      expect(readFileSync(join(directory, "workflow.yaml"))).toEqual(
        readFileSync(join(REPO, "examples/hello.yaml")),
      );
      expect(mode(scratch.runsDir)).toBe(0o700);
      expect(mode(directory)).toBe(0o700);
      expect(mode(join(directory, "artifacts"))).toBe(0o700);
      for (const name of names.filter((name) => name !== "artifacts"))
        expect([name, mode(join(directory, name))]).toEqual([name, 0o600]);

      const meta = JSON.parse(readFileSync(join(directory, "meta.json"), "utf8"));
      expect(meta).toMatchObject({
        workflowName: "hello",
        finalStatus: "success",
        workflowFile: join(REPO, "examples/hello.yaml"),
      });
      const status = JSON.parse(readFileSync(join(directory, "status.json"), "utf8"));
      expect(
        status.steps.map((step: { nodeId: string; status: string }) => [step.nodeId, step.status]),
      ).toEqual([
        ["greet", "completed"],
        ["count", "completed"],
        ["report", "completed"],
      ]);
      const countOut = readdirSync(directory).find((name) => name.endsWith("-count.out")) as string;
      expect(readFileSync(join(directory, countOut), "utf8")).toBe("count 1\ncount 2\ncount 3\n");
      expect(readFileSync(join(directory, "artifacts", "report.txt"), "utf8")).toBe(
        "greet and count both finished\n",
      );

      const events = readFileSync(join(directory, "run_summary.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(events.map((event: { seq: number }) => event.seq)).toEqual(
        events.map((_: unknown, index: number) => index + 1),
      );
      expect(events[0].type).toBe("run-start");
      expect(events.at(-1).type).toBe("run-end");
      // report starts only after both of its needs ended
      const at = (type: string, stepId: string) =>
        events.findIndex(
          (event: { type: string; stepId?: string }) =>
            event.type === type && event.stepId === stepId,
        );
      expect(at("step-start", "report")).toBeGreaterThan(at("step-end", "greet"));
      expect(at("step-start", "report")).toBeGreaterThan(at("step-end", "count"));
    },
  );

  it("writes files that the published JSON Schemas accept (checked by ajv)", async () => {
    await cli(["run", "examples/failing.yaml"], { runsDir: scratch.runsDir });
    const directory = onlyRun();
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validators = {
      meta: ajv.compile(loadSchema("meta")),
      status: ajv.compile(loadSchema("status")),
      launch: ajv.compile(loadSchema("launch")),
    };
    for (const name of ["meta", "status", "launch"] as const) {
      const validate = validators[name];
      const valid = validate(JSON.parse(readFileSync(join(directory, `${name}.json`), "utf8")));
      expect([name, valid, validate.errors ?? []]).toEqual([name, true, []]);
    }
    const meta = JSON.parse(readFileSync(join(directory, "meta.json"), "utf8"));
    expect(validators.meta({ ...meta, finalStatus: "done" })).toBe(false);
    expect(validators.meta({ ...meta, startedAt: "yesterday" })).toBe(false);
  });

  it("exits 1 when a step fails, skips its dependents and still runs the rest", async () => {
    const result = await cli(["run", "examples/failing.yaml"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/✗ compile\s+failed \(exit 2\)/);
    expect(result.stderr).toMatch(/○ test\s+skipped/);
    expect(result.stderr).toMatch(/✓ lint\s+completed/);
    const directory = onlyRun();
    const status = JSON.parse(readFileSync(join(directory, "status.json"), "utf8"));
    const byId = Object.fromEntries(
      status.steps.map((step: { nodeId: string }) => [step.nodeId, step]),
    );
    expect(byId.compile).toMatchObject({ status: "failed", exitCode: 2 });
    expect(byId.test.status).toBe("skipped");
    expect(byId.lint.status).toBe("completed");
    expect(JSON.parse(readFileSync(join(directory, "meta.json"), "utf8")).finalStatus).toBe(
      "failed",
    );
    const errName = readdirSync(directory).find((name) => name.endsWith("-compile.err")) as string;
    expect(readFileSync(join(directory, errName), "utf8")).toBe("error: main.c:3: expected ';'\n");
  });

  it("is not fooled by a line a step appends to the timeline: run and attach exit 1", async () => {
    const file = join(scratch.directory, "forge.yaml");
    writeFileSync(
      file,
      [
        "name: forge",
        "steps:",
        "  a:",
        "    run: |",
        `      printf '{"type":"run-end","runId":"%s","seq":99999,"ts":"2026-12-01T08:00:00.000Z","finalStatus":"success","durationMs":1}\\n' "$RUNYARD_RUN_ID" >> "$RUNYARD_RUN_SUMMARY_FILE"`,
        "      exit 7",
        "",
      ].join("\n"),
    );
    const run = await cli(["run", file], { runsDir: scratch.runsDir });
    expect(run.stderr).not.toContain("success in");
    expect(run.code).toBe(1);
    const attached = await cli(["attach", "latest"], { runsDir: scratch.runsDir });
    expect(attached.stderr).toMatch(/✗ a +failed \(exit 7\)/);
    expect(attached.stderr).not.toContain("success in");
    expect(attached.code).toBe(1);
  });

  it("rejects an invalid workflow with every problem and creates no run directory", async () => {
    const file = join(scratch.directory, "broken.yaml");
    writeFileSync(
      file,
      "name: broken\nsteps:\n  a:\n    run: echo a\n    neds: [b]\n  b:\n    needs: [zz]\n    run: echo b\n",
    );
    const result = await cli(["run", file], { runsDir: scratch.runsDir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `${file}:5:5: steps.a.neds: unknown key "neds" (did you mean "needs"?)`,
    );
    expect(result.stderr).toContain("steps.b.needs");
    expect(() => readdirSync(scratch.runsDir)).toThrow(/ENOENT/);
  });

  it("stops a hung step at its timeout (examples/timeout.yaml): the run goes on, show says why", async () => {
    const began = performance.now();
    const result = await cli(["run", "examples/timeout.yaml"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(1);
    // Stopped after its 2 s, not its 600 s of sleep.
    expect(performance.now() - began).toBeLessThan(30_000);
    expect(result.stderr).toMatch(
      /✗ fetch +failed \(killed by SIGTERM\) in [\d.]+s — timeout: the step ran longer than 2s/,
    );
    expect(result.stderr).toMatch(/○ report +skipped — needs "fetch", which failed/);
    expect(result.stderr).toMatch(/✓ local +completed/);
    const show = await cli(["show", "latest"], { runsDir: scratch.runsDir });
    expect(show.stdout).toMatch(/^state +failed: step fetch failed \(timeout\)$/m);
    expect(show.stdout).toMatch(/^fetch +failed .*timeout: the step ran longer than 2s$/m);
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.stdout).toMatch(/fetch failed \(timeout\)$/m);
  });

  it("tries a flaky step again (examples/retries.yaml): every attempt shown and kept", async () => {
    const result = await cli(["run", "examples/retries.yaml"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/· fetch +pending — attempt 1 of 4 failed; attempt 2 in 1s/);
    expect(result.stderr).toMatch(/▶ fetch +started \(attempt 3\)/);
    // The summary counts steps, not attempts.
    expect(result.stderr).toMatch(/success in [\d.]+s: 2 completed\n/);
    const logs = await cli(["logs", "latest", "fetch"], { runsDir: scratch.runsDir });
    expect(logs.stdout).toContain("==> 000001-fetch.err <==\nconnection refused\n");
    expect(logs.stdout).toContain(
      "==> 000003-fetch.out <==\nattempt 3: connecting...\ndownloaded\n",
    );
    const show = await cli(["show", "latest"], { runsDir: scratch.runsDir });
    expect(show.stdout).toMatch(/^fetch +completed +3 +0 /m);
  });

  it("takes a decision's red path (examples/decision.yaml) and ends success, saying why", async () => {
    const result = await cli(["run", "examples/decision.yaml"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/✗ solve +failed \(exit 1\)/);
    expect(result.stderr).toMatch(/○ refine +skipped — needs "solve", which failed/);
    expect(result.stderr).toMatch(/✓ fallback +completed/);
    expect(result.stderr).toMatch(/✓ report +completed/);
    const show = await cli(["show", "latest"], { runsDir: scratch.runsDir });
    expect(show.stdout).toMatch(/^state +success: solve failed, handled by fallback$/m);
    expect(show.stdout).toMatch(/^solve +failed +1 +1 .* handled by fallback$/m);
    const json = JSON.parse(
      (await cli(["show", "latest", "--json"], { runsDir: scratch.runsDir })).stdout,
    );
    expect(
      json.steps.map((step: { id: string; handledBy: string[] }) => [step.id, step.handledBy]),
    ).toEqual([
      ["solve", ["fallback"]],
      ["refine", []],
      ["fallback", []],
      ["report", []],
    ]);
    expect(show.stdout).not.toContain("damaged");
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.stdout).toMatch(/decision +success +/);
    expect(ps.stdout).not.toContain("damaged");
  });

  it("holds the first step for the view only when the view shows output", async () => {
    // Without --output or --events the view replays the events it missed, so the steps need
    // not wait for it to subscribe; with them, they do, so no output is missed.
    for (const [flags, hold] of [
      [[], undefined],
      [["--output"], 5000],
      [["--events"], 5000],
    ] as const) {
      const runsDir = join(scratch.directory, `runs-${flags.join("") || "plain"}`);
      const result = await cli(["run", "examples/hello.yaml", ...flags], { runsDir });
      expect(result.code).toBe(0);
      // Every step's start and end are shown all the same.
      expect(result.stderr).toMatch(/▶ greet +started/);
      expect(result.stderr).toMatch(/✓ greet +completed/);
      const [run] = readdirSync(runsDir);
      const launch = JSON.parse(readFileSync(join(runsDir, run as string, "launch.json"), "utf8"));
      expect(launch.holdStartMs).toBe(hold);
    }
  });

  it("leaves no runs root and no executor when it fails after starting its executor early", async () => {
    // The flags parse and the workflow is a file, so the executor was started before the
    // command checked -j (early-run.ts); the command's error abandons it.
    const result = await cli(["run", "examples/hello.yaml", "-j", "0"], {
      runsDir: scratch.runsDir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--max-parallel expects a whole number of at least 1");
    expect(() => readdirSync(scratch.runsDir)).toThrow(/ENOENT/);
    // The executor, told nothing, exits: no process is left with the runs root in its command.
    await vi.waitFor(
      () => {
        const left = readdirSync("/proc").filter((pid) => {
          if (!/^\d+$/.test(pid)) return false;
          try {
            return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(scratch.runsDir);
          } catch {
            return false;
          }
        });
        expect(left).toEqual([]);
      },
      { timeout: 10_000, interval: 50 },
    );
  });

  it("leaves no runs root when a hangup comes before it fails after starting its executor early", async () => {
    // Ended by SIGHUP (bin.ts, endByHangup), the process runs no 'exit' handler: the executor
    // it started early must be given up before, or the runs root made for it stays.
    const { child, done } = startCli(["run", "examples/hello.yaml", "-j", "0"], {
      runsDir: scratch.runsDir,
    });
    // The runs root appears with the early executor's staging directory, while the CLI still
    // loads its modules (the -j check is after that): hang up then.
    while (!existsSync(scratch.runsDir) && child.exitCode === null) {
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 1));
    }
    child.kill("SIGHUP");
    const result = await done;
    expect({ code: result.code, signal: result.signal }).toEqual({ code: null, signal: "SIGHUP" });
    expect(result.stderr).toContain("--max-parallel expects a whole number of at least 1");
    expect(() => readdirSync(scratch.runsDir)).toThrow(/ENOENT/);
  });

  it("cancels on SIGINT: the running step is killed, the run ends cancelled, exit 130", async () => {
    const file = join(scratch.directory, "slow.yaml");
    writeFileSync(
      file,
      "name: slow\nsteps:\n  wait:\n    run: echo waiting; sleep 30\n  after:\n    needs: wait\n    run: echo never\n",
    );
    const { child, done } = startCli(["run", file, "--events"], { runsDir: scratch.runsDir });
    await new Promise<void>((resolvePromise) => {
      let seen = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('"type":"step-start"')) resolvePromise();
      });
    });
    const started = Date.now();
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
    const directory = onlyRun();
    const meta = JSON.parse(readFileSync(join(directory, "meta.json"), "utf8"));
    expect(meta.finalStatus).toBe("cancelled");
    const status = JSON.parse(readFileSync(join(directory, "status.json"), "utf8"));
    expect(status.steps.map((step: { status: string }) => step.status)).toEqual([
      "cancelled",
      "cancelled",
    ]);
  });

  it("prints event lines on stderr with --events, and the run as JSON on stdout with --json", async () => {
    const result = await cli(["run", "examples/hello.yaml", "--events", "--json", "--quiet"], {
      runsDir: scratch.runsDir,
    });
    expect(result.code).toBe(0);
    const summary = RunEndedJsonSchema.parse(JSON.parse(result.stdout));
    expect(summary).toMatchObject({ finalStatus: "success", runDirectory: onlyRun() });
    const eventLines = result.stderr
      .split("\n")
      .filter((line) => line.startsWith("__RUNYARD_EVENT__ "));
    const durable = readFileSync(join(onlyRun(), "run_summary.jsonl"), "utf8")
      .trimEnd()
      .split("\n");
    const fromStderr = eventLines
      .map((line) => JSON.parse(line.slice("__RUNYARD_EVENT__ ".length)))
      .filter((event: { type: string }) => event.type !== "step-output");
    expect(fromStderr).toEqual(durable.map((line) => JSON.parse(line)));
  });

  it("writes events that @runyard/protocol's JSON Schema accepts, in the summary and on stderr", async () => {
    const file = join(scratch.directory, "mixed.yaml");
    writeFileSync(
      file,
      "name: mixed\nsteps:\n  talk:\n    run: printf 'out\\n'; printf 'err\\n' >&2\n  fail:\n    needs: talk\n    run: exit 3\n",
    );
    const result = await cli(["run", file, "--events", "--quiet"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(1);
    const validate = runEventValidator();
    const durable = readFileSync(join(onlyRun(), "run_summary.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    const live = result.stderr
      .split("\n")
      .filter((line) => line.startsWith("__RUNYARD_EVENT__ "))
      .map((line) => JSON.parse(line.slice("__RUNYARD_EVENT__ ".length)));
    expect(durable.map((event) => event.type)).toEqual(
      expect.arrayContaining(["run-start", "step-start", "step-end", "run-end"]),
    );
    expect(live.filter((event) => event.type === "step-output").length).toBeGreaterThan(0);
    for (const [where, event] of [
      ...durable.map((event) => ["run_summary.jsonl", event] as const),
      ...live.map((event) => ["stderr", event] as const),
    ]) {
      const valid = validate(event);
      expect([where, event.type, valid, validate.errors ?? []]).toEqual([
        where,
        event.type,
        true,
        [],
      ]);
    }
    const runEnd = durable.at(-1);
    expect(validate({ ...runEnd, finalStatus: "done" })).toBe(false);
    expect(validate({ ...runEnd, seq: 0 })).toBe(false);
  });

  it("prints a long line without a newline in pieces, each marked as continued", async () => {
    const file = join(scratch.directory, "long.yaml");
    writeFileSync(
      file,
      "name: long\nsteps:\n  blob:\n    run: head -c 20000 /dev/zero | tr '\\0' a; echo; echo after\n",
    );
    const result = await cli(["run", file, "--output"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    const pieces = result.stderr
      .split("\n")
      .filter((line) => line.includes("│"))
      .map((line) => line.slice(line.indexOf("│ ") + 2));
    expect(pieces.map((piece) => piece.replace(/a{2,}/, (run) => `a×${run.length}`))).toEqual([
      "a×8192…",
      "…a×8192…",
      "…a×3616",
      "after",
    ]);
  });

  it("streams megabytes of output without a newline in bounded pieces, quickly", async () => {
    const file = join(scratch.directory, "flood.yaml");
    writeFileSync(
      file,
      "name: flood\nsteps:\n  flood:\n    run: head -c 16000000 /dev/zero | tr '\\0' x\n",
    );
    const started = Date.now();
    const result = await cli(["run", file, "--output"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const lines = result.stderr.split("\n").filter((line) => line.includes("│"));
    expect(lines.length).toBeGreaterThan(100);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(8192 + 40);
    // The step writes faster than this test reads: what the live view left out is said, and
    // with what it showed makes up all of it (to the notices' one decimal).
    const shown = lines.reduce((sum, line) => sum + (line.match(/x/g)?.length ?? 0), 0);
    const UNITS: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6 };
    const notices = [...result.stderr.matchAll(/… ([\d.]+) (B|kB|MB) of output not shown/g)];
    const dropped = notices.reduce(
      (sum, [, value, unit]) => sum + Number(value) * (UNITS[unit as string] ?? Number.NaN),
      0,
    );
    expect(Math.abs(shown + dropped - 16_000_000)).toBeLessThanOrEqual(50_000 * notices.length);
  }, 30_000);

  describe("when stderr's reader stalls (a terminal that fell behind)", () => {
    const FLOOD_BYTES = 100_000_000;
    const floodWorkflow = () => {
      const file = join(scratch.directory, "flood.yaml");
      writeFileSync(
        file,
        `name: flood\nsteps:\n  flood:\n    run: yes 0123456789012345678901234567890123456789 | head -c ${FLOOD_BYTES}\n`,
      );
      return file;
    };

    /**
     * Runs with nobody reading stderr until the run has ended (its --json line on stdout),
     * then reads it all; the peak memory is taken while the process still waits on stderr.
     */
    async function runStalled(args: string[]) {
      const { child, done } = startCli(["run", floodWorkflow(), "--json", ...args], {
        runsDir: scratch.runsDir,
      });
      child.stderr?.pause();
      const ended = await new Promise<string>((resolvePromise) => {
        let seen = "";
        child.stdout?.on("data", (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.endsWith("\n")) resolvePromise(seen);
        });
      });
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const peakKilobytes = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]);
      child.stderr?.resume();
      return { ended: JSON.parse(ended), peakKilobytes, result: await done };
    }

    const NOTICE =
      /\n {2}… (\d+\.\d) MB of output not shown \(the terminal fell behind\); runyard logs ([0-9a-f]{8}) flood has all of it\n/;

    it("--output: the run ends without waiting, in bounded memory, and says what it left out", async () => {
      const { ended, peakKilobytes, result } = await runStalled(["--output"]);
      expect(ended.finalStatus).toBe("success");
      expect(result.code).toBe(0);
      // Holding it all for the reader took 575 MB for 100 MB of output.
      expect(peakKilobytes).toBeLessThan(256 * 1024);
      // One notice, or more when the executor also dropped this slow reader (then the output
      // it never received is said at once, and what was left out afterwards at the end).
      const notices = [...result.stderr.matchAll(new RegExp(NOTICE.source, "g"))];
      expect(notices.length).toBeGreaterThan(0);
      for (const notice of notices) expect(notice[2]).toBe(ended.runId.slice(-8));
      const notShown = notices.reduce((sum, notice) => sum + Number(notice[1]), 0);
      expect(notShown).toBeGreaterThan(90);
      expect(result.stderr.length).toBeLessThan(8_000_000);
      expect(result.stderr.indexOf("not shown")).toBeLessThan(result.stderr.indexOf("success in"));
      // What is shown is whole lines, or a line cut where output was left out, marked so.
      const shown = result.stderr.split("\n").filter((line) => line.includes("│"));
      expect(shown.length).toBeGreaterThan(1000);
      for (const line of shown) {
        expect(line).toMatch(/│ (0123456789012345678901234567890123456789|…?[0-9]*…?)$/);
      }
      const capture = readdirSync(ended.runDirectory).find((name) => name.endsWith("flood.out"));
      expect(statSync(join(ended.runDirectory, capture as string)).size).toBe(FLOOD_BYTES);
    }, 120_000);

    it("--events: leaves out step-output lines, never a durable event", async () => {
      const { ended, peakKilobytes, result } = await runStalled(["--events"]);
      expect(result.code).toBe(0);
      expect(peakKilobytes).toBeLessThan(256 * 1024);
      expect(NOTICE.exec(result.stderr)?.[2]).toBe(ended.runId.slice(-8));
      const events = result.stderr
        .split("\n")
        .filter((line) => line.startsWith("__RUNYARD_EVENT__ "))
        .map((line) => JSON.parse(line.slice("__RUNYARD_EVENT__ ".length)));
      const durable = readFileSync(join(ended.runDirectory, "run_summary.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(events.filter((event) => event.type !== "step-output")).toEqual(durable);
      // What was written starts at 0 and each chunk starts where the one before it ended or
      // later (offset + bytes): where output was left out, the offsets jump, so a consumer can
      // tell. (Output shows again once the reader has caught up, which a reader stalled this
      // way may briefly seem to do.)
      const chunks = events.filter((event) => event.type === "step-output");
      expect(chunks[0]?.offset).toBe(0);
      let end = 0;
      let shown = 0;
      let gaps = 0;
      for (const event of chunks) {
        expect(event.offset).toBeGreaterThanOrEqual(end);
        if (event.offset > end) gaps += 1;
        const bytes = event.bytes ?? Buffer.byteLength(event.data);
        end = event.offset + bytes;
        shown += bytes;
      }
      expect(shown).toBeGreaterThan(0);
      expect(shown).toBeLessThan(FLOOD_BYTES / 2);
      expect(gaps > 0 || end < FLOOD_BYTES).toBe(true);
    }, 120_000);
  });

  it.runIf(canMountTmpfs())(
    "says the disk is full, names the run directory, and ps still tells how the run ended",
    async () => {
      const small = join(scratch.directory, "small");
      mkdirSync(small);
      const file = join(scratch.directory, "big.yaml");
      writeFileSync(file, "name: big\nsteps:\n  big:\n    run: head -c 400000 /dev/zero\n");
      const runs = join(small, "runs");
      // The tmpfs exists only in the private namespace: run and ps inside it.
      const script = [
        // Room for the run directory and its disk reserve (65 KiB), not for the output.
        `mount -t tmpfs -o size=256k tmpfs ${small}`,
        `"$0" ${BIN} run ${file} --runs-dir ${runs} -q; echo "exit $?" >&2`,
        `"$0" ${BIN} ps --json --runs-dir ${runs}`,
      ].join("; ");
      const result = spawnSync(
        "unshare",
        ["--user", "--map-root-user", "--mount", "sh", "-c", script, process.execPath],
        { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, cwd: REPO },
      );
      expect(result.stderr).toMatch(
        new RegExp(
          `error: disk full: cannot write 000001-big\\.out: no space left on device \\(ENOSPC\\), in the run directory ${runs}/[0-9a-f-]{36}\n`,
        ),
      );
      expect(result.stderr).not.toContain("bug");
      expect(result.stderr).toContain("exit 74");
      const ps = JSON.parse(result.stdout);
      expect(ps.state).toBe("failed");
      expect(ps.reason).toMatch(/^disk full: cannot write 000001-big\.out/);
    },
  );
});
