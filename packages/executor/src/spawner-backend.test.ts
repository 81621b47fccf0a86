// The step spawners (spawner/runyard-spawner.py and .pl through createSpawnerBackend): a real
// Python or Perl process starting real steps into real capture files, reporting pids and exit
// statuses; its loss, and the executor's, seen from the steps' side. Both spawners pass the
// same tests: what a step sees must not depend on which one started it.
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { captureFileNames, type ResolvedStep } from "@runyard/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EventLog, fifo, workflowFile } from "../test/helpers.js";
import type { Backend, CaptureTarget } from "./backend.js";
import { CaptureFollower } from "./capture-follower.js";
import { listProcesses } from "./process-table.js";
import { runWorkflow } from "./run-workflow.js";
import {
  createSpawnerBackend,
  createStepBackend,
  findPerl,
  findSpawner,
  findSystemPython,
  perlSpawner,
  pythonSpawner,
  type SpawnerProgram,
  spawnerChoiceProblem,
} from "./spawner-backend.js";

const perl = findPerl();
const python = findSystemPython();
const spawners: [string, SpawnerProgram | undefined][] = [
  ["Python", python === undefined ? undefined : pythonSpawner(python)],
  ["Perl", perl === undefined ? undefined : perlSpawner(perl)],
];
for (const [name, program] of spawners) {
  if (program === undefined) console.warn(`skipped: the ${name} spawner's tests (no ${name} here)`);
}
const alive = (pid: number) => listProcesses()?.some((entry) => entry.pid === pid) ?? false;

function step(run: string, cwd: string): ResolvedStep {
  return {
    id: "s",
    name: "s",
    run,
    cwd,
    needs: [],
    env: {},
    condition: "success",
    timeoutSeconds: undefined,
    retries: 0,
    retryDelaySeconds: 0,
    backend: "local",
    slurm: undefined,
    position: { line: 1, column: 1 },
    raw: { run },
  };
}

function captures(directory: string, name: string): CaptureTarget {
  const outPath = join(directory, `${name}.out`);
  const errPath = join(directory, `${name}.err`);
  writeFileSync(outPath, "", { mode: 0o600 });
  writeFileSync(errPath, "", { mode: 0o600 });
  const unused = () => {
    throw new Error("a file-output backend must not use the sink");
  };
  return { outPath, errPath, stdout: unused, stderr: unused };
}

describe.each(spawners.filter(([, program]) => program !== undefined))(
  "the %s step spawner",
  (_, program) => {
    const spawner = program as SpawnerProgram;
    let backend: Backend | undefined;
    afterEach(() => backend?.close?.());

    it("runs each step in a session of its own, its output straight in its captures, and reports how it ended", async () => {
      const { directory } = workflowFile("steps: {}\n");
      backend = createSpawnerBackend({ spawner });
      expect(backend.output).toBe("file");
      const target = captures(directory, "a");
      const handle = backend.start(
        step('echo "out $GREETING"; echo err >&2; pwd; exit 3', directory),
        target,
        { PATH: process.env.PATH, GREETING: "hé" },
      );
      await handle.started;
      expect(handle.pid).toBeGreaterThan(1);
      expect(handle.pgid).toBe(handle.pid);
      expect(await handle.exit).toEqual({ exitCode: 3, signal: null });
      expect(readFileSync(target.outPath, "utf8")).toBe(`out hé\n${directory}\n`);
      expect(readFileSync(target.errPath, "utf8")).toBe("err\n");

      const killed = backend.start(step("kill -USR1 $$", directory), captures(directory, "b"), {
        PATH: process.env.PATH,
      });
      expect(await killed.exit).toEqual({ exitCode: null, signal: "SIGUSR1" });
      // A real-time signal has no name of Node's: it is named as Linux's tools name it.
      const realTime = backend.start(step("kill -40 $$", directory), captures(directory, "c"), {
        PATH: process.env.PATH,
      });
      expect(await realTime.exit).toEqual({ exitCode: null, signal: "SIGRTMIN+6" });
    });

    it("gives each step exactly its own environment, although it sends only what changed", async () => {
      const { directory } = workflowFile("steps: {}\n");
      backend = createSpawnerBackend({ spawner });
      const show = step(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansions
        'echo "${KEPT-unset} ${CHANGED-unset} ${GONE-unset} ${ADDED-unset}"',
        directory,
      );
      const base = { PATH: process.env.PATH, KEPT: "k" };
      const first = captures(directory, "a");
      await backend.start(show, first, { ...base, CHANGED: "1", GONE: "g" }).exit;
      const second = captures(directory, "b");
      await backend.start(show, second, { ...base, CHANGED: "2", ADDED: "a=b" }).exit;
      const third = captures(directory, "c");
      await backend.start(show, third, { PATH: process.env.PATH }).exit;
      expect(readFileSync(first.outPath, "utf8")).toBe("k 1 g unset\n");
      expect(readFileSync(second.outPath, "utf8")).toBe("k 2 unset a=b\n");
      expect(readFileSync(third.outPath, "utf8")).toBe("unset unset unset unset\n");
    });

    it("says why a step could not start, and refuses a NUL byte before anything runs", async () => {
      const { directory } = workflowFile("steps: {}\n");
      backend = createSpawnerBackend({ spawner });
      const missing = captures(directory, "a");
      const handle = backend.start(
        step("true", directory),
        { ...missing, outPath: join(directory, "gone", "a.out") },
        { PATH: process.env.PATH },
      );
      await handle.started;
      expect(handle.pid).toBeUndefined();
      const exit = await handle.exit;
      expect(exit.error).toMatch(/^could not start: cannot open .*gone\/a\.out: No such file/);
      expect(() =>
        backend?.start(step("true", directory), captures(directory, "b"), { BAD: "a\0b" }),
      ).toThrow("NUL byte");
      // The spawner goes on after both.
      const next = backend.start(step("true", directory), captures(directory, "c"), {
        PATH: process.env.PATH,
      });
      expect(await next.exit).toEqual({ exitCode: 0, signal: null });
    });

    it("says in the step's stderr, in its own words only, why bash could not be run", async () => {
      const { directory } = workflowFile("steps: {}\n");
      backend = createSpawnerBackend({ spawner });
      const target = captures(directory, "a");
      // One argument over the kernel's 128 KiB limit (MAX_ARG_STRLEN): exec fails with E2BIG.
      const huge = step(`: ${"x".repeat(200 * 1024)}`, directory);
      expect(await backend.start(huge, target, { PATH: process.env.PATH }).exit).toEqual({
        exitCode: 127,
        signal: null,
      });
      expect(readFileSync(target.errPath, "utf8")).toBe(
        "runyard: cannot run bash: Argument list too long\n",
      );
    });

    it("starts a step in a directory that cannot be entered as one that fails with 127 and says why", async () => {
      const { directory } = workflowFile("steps: {}\n");
      backend = createSpawnerBackend({ spawner });
      const target = captures(directory, "a");
      const handle = backend.start(step("true", join(directory, "gone")), target, {
        PATH: process.env.PATH,
      });
      expect(await handle.exit).toEqual({ exitCode: 127, signal: null });
      expect(readFileSync(target.errPath, "utf8")).toBe(
        `runyard: cannot enter the working directory ${join(directory, "gone")}: No such file or directory\n`,
      );
      // The next step, in a directory that exists, runs there.
      const next = captures(directory, "b");
      await backend.start(step("pwd", directory), next, { PATH: process.env.PATH }).exit;
      expect(readFileSync(next.outPath, "utf8")).toBe(`${directory}\n`);
    });

    it("gives a step no ignored and no blocked signal, and no file descriptor beyond its three", async () => {
      const { directory } = workflowFile("steps: {}\n");
      // The spawner is given a descriptor without close-on-exec (fd 7), as an executor started
      // from a shell that had one open would pass it on.
      backend = createSpawnerBackend({
        spawner: {
          ...spawner,
          command: "/bin/sh",
          args: ["-c", 'exec 7</dev/null; exec "$0" "$@"', spawner.command, ...spawner.args],
        },
      });
      const target = captures(directory, "a");
      // `yes | head -1`: yes must die of SIGPIPE (were SIGPIPE ignored, it would loop on EPIPE).
      // /proc/self is grep's and ls's own (bash itself blocks SIGCHLD and ignores SIGQUIT); ls's
      // fd 3 is the directory it lists.
      const handle = backend.start(
        step(
          "grep -E '^Sig(Ign|Blk):' /proc/self/status; ls /proc/self/fd; yes | head -1",
          directory,
        ),
        target,
        { PATH: process.env.PATH },
      );
      expect(await handle.exit).toEqual({ exitCode: 0, signal: null });
      const [blocked, ignored, ...rest] = readFileSync(target.outPath, "utf8").split("\n");
      expect(blocked).toBe("SigBlk:\t0000000000000000");
      // glibc's posix_spawn leaves its two internal signals (32 and 33, which no program can
      // name: sigaction refuses them) ignored in the child; every signal a step can use is not.
      const internal = spawner.kind === "python" ? 0x180000000n : 0n;
      expect(ignored).toMatch(/^SigIgn:\t[0-9a-f]{16}$/);
      expect(BigInt(`0x${ignored?.slice(8)}`) & ~internal).toBe(0n);
      expect(rest).toEqual(["0", "1", "2", "3", "y", ""]);
    });

    it("fails the steps of a spawner that dies, stops their processes, and starts a new one for the next", async () => {
      const { directory } = workflowFile("steps: {}\n");
      const problems: string[] = [];
      backend = createSpawnerBackend({
        spawner,
        onProblem: (message) => problems.push(message),
      });
      const handle = backend.start(step("sleep 60", directory), captures(directory, "a"), {
        PATH: process.env.PATH,
      });
      await handle.started;
      const pid = handle.pid as number;
      // The step's parent is the spawner (field 4 of /proc/<pid>/stat).
      const parent = Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[3]);
      expect(parent).not.toBe(process.pid);
      process.kill(parent, "SIGKILL");
      const exit = await handle.exit;
      expect(exit.error).toMatch(
        /the step spawner \(pid \d+\) exited unexpectedly \(killed by SIGKILL\)/,
      );
      expect(problems).toHaveLength(1);
      await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 3000, interval: 25 });
      const next = backend.start(step("true", directory), captures(directory, "b"), {
        PATH: process.env.PATH,
      });
      expect(await next.exit).toEqual({ exitCode: 0, signal: null });
    });

    it("stops the steps still running when the process that asked for them dies, and leaves ended ones' leftovers alone", async () => {
      const { directory } = workflowFile("steps: {}\n");
      const built = new URL("../dist/index.js", import.meta.url).href;
      // A stand-in executor: starts a step that leaves a process behind and ends, then one that
      // runs on; prints the pids, and waits to be killed.
      const script = `
      import { writeFileSync } from "node:fs";
      const { createSpawnerBackend } = await import(${JSON.stringify(built)});
      const backend = createSpawnerBackend({ spawner: ${JSON.stringify(spawner)} });
      const target = (name) => {
        const paths = { outPath: ${JSON.stringify(directory)} + "/" + name + ".out", errPath: ${JSON.stringify(directory)} + "/" + name + ".err" };
        writeFileSync(paths.outPath, ""); writeFileSync(paths.errPath, "");
        return { ...paths, stdout() {}, stderr() {} };
      };
      const step = (run) => ({ id: "s", name: "s", run, cwd: ${JSON.stringify(directory)}, needs: [], env: {}, backend: "local" });
      const env = { PATH: process.env.PATH };
      const left = backend.start(step("sleep 60 & echo $! > left.pid"), target("left"), env);
      await left.exit;
      const running = backend.start(step("sleep 60"), target("running"), env);
      await running.started;
      process.stdout.write(running.pid + "\\n");
      setInterval(() => {}, 1000);
    `;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const pid = await new Promise<number>((resolve) =>
        child.stdout.once("data", (chunk: Buffer) => resolve(Number(String(chunk).trim()))),
      );
      const leftover = Number(readFileSync(join(directory, "left.pid"), "utf8"));
      expect(alive(pid)).toBe(true);
      child.kill("SIGKILL");
      const killedAt = performance.now();
      await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 3000, interval: 20 });
      expect(performance.now() - killedAt).toBeLessThan(2000);
      expect(alive(leftover)).toBe(true);
      process.kill(leftover, "SIGKILL");
    });
    it("finds bash on the step's PATH as execvp does: from the step's directory, and a file without #! run by sh", async () => {
      const { directory } = workflowFile("steps: {}\n");
      backend = createSpawnerBackend({ spawner });
      // A `bash` of the step's own in its working directory, found through PATH's "." entry
      // (the step before ran elsewhere, where there is none), and one without a #! line.
      const here = join(directory, "here");
      const tools = join(directory, "tools");
      mkdirSync(here);
      mkdirSync(tools);
      writeFileSync(join(here, "bash"), "#!/bin/sh\necho own bash\n", { mode: 0o755 });
      writeFileSync(join(tools, "bash"), "echo no-shebang bash $1\n", { mode: 0o755 });
      const first = captures(directory, "a");
      await backend.start(step("echo system bash", directory), first, {
        PATH: `.:${process.env.PATH}`,
      }).exit;
      const own = captures(directory, "b");
      await backend.start(step("echo system bash", here), own, { PATH: `.:${process.env.PATH}` })
        .exit;
      const script = captures(directory, "c");
      const exit = await backend.start(step("true", directory), script, { PATH: tools }).exit;
      expect(readFileSync(first.outPath, "utf8")).toBe("system bash\n");
      expect(readFileSync(own.outPath, "utf8")).toBe("own bash\n");
      expect(exit).toEqual({ exitCode: 0, signal: null });
      expect(readFileSync(script.outPath, "utf8")).toBe("no-shebang bash -c\n");
    });

    it("keeps none of its steps' working directories as its own", async () => {
      const { directory } = workflowFile("steps: {}\n");
      backend = createSpawnerBackend({ spawner });
      const target = captures(directory, "a");
      await backend.start(step("echo $PPID", directory), target, { PATH: process.env.PATH }).exit;
      const parent = Number(readFileSync(target.outPath, "utf8"));
      expect(readlinkSync(`/proc/${parent}/cwd`)).toBe("/");
    });

    it("says why a capture cannot be opened on one line, each run of line breaks one space", async () => {
      const { directory } = workflowFile("steps: {}\n");
      backend = createSpawnerBackend({ spawner });
      const target = captures(directory, "a");
      const exit = await backend.start(
        step("true", directory),
        { ...target, outPath: join(directory, "x\r\n\ny", "a.out") },
        { PATH: process.env.PATH },
      ).exit;
      expect(exit.error).toBe(
        `could not start: cannot open ${join(directory, "x y", "a.out")}: No such file or directory`,
      );
    });

    it("runs a whole workflow: its steps' outcomes, output, environment and ordering", async () => {
      const { file, runsRoot } = workflowFile(
        [
          "params:",
          "  WHO: { default: world }",
          "steps:",
          "  hello:",
          '    run: echo "hello $WHO from $RUNYARD_STEP_ID"',
          "  fails:",
          "    run: echo oops >&2; exit 4",
          "  after:",
          "    needs: hello",
          "    run: echo after",
          "  never:",
          "    needs: fails",
          "    run: echo never",
          "",
        ].join("\n"),
      );
      const result = await runWorkflow({
        workflowFile: file,
        runsRoot,
        backends: { local: createSpawnerBackend({ spawner }) },
      });
      expect(result.finalStatus).toBe("failed");
      const steps = new Map(result.status.steps.map((entry) => [entry.nodeId, entry]));
      expect(
        Object.fromEntries(
          [...steps].map(([id, entry]) => [id, [entry.status, entry.exitCode ?? null]]),
        ),
      ).toEqual({
        hello: ["completed", 0],
        fails: ["failed", 4],
        after: ["completed", 0],
        never: ["skipped", null],
      });
      const capture = (id: string, stream: "out" | "err") => {
        const names = captureFileNames(steps.get(id)?.seq as number, id);
        return readFileSync(join(result.runDirectory, names[stream]), "utf8");
      };
      expect(capture("hello", "out")).toBe("hello world from hello\n");
      expect(capture("fails", "err")).toBe("oops\n");
      expect(capture("after", "out")).toBe("after\n");
    });

    // The spawner started as the executor starts it, driven by hand.
    const startSpawner = (stderr: "inherit" | number = "inherit") =>
      spawn(spawner.command, spawner.args, {
        stdio: ["pipe", "pipe", stderr],
        detached: true,
        cwd: "/",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      });
    const request = (
      id: number,
      cwd: string,
      target: CaptureTarget,
      argv: string[],
      env: string[],
    ) => {
      const payload = Buffer.from(
        [cwd, target.outPath, target.errPath, String(argv.length), ...argv, ...env].join("\0"),
      );
      return Buffer.concat([Buffer.from(`S ${id} ${payload.length}\n`), payload]);
    };
    const exited = (child: ChildProcess) =>
      new Promise<number | null>((resolve) => {
        if (child.exitCode !== null) resolve(child.exitCode);
        else child.once("exit", (code) => resolve(code));
      });
    const firstPid = (child: ChildProcess) =>
      new Promise<number>((resolve) =>
        child.stdout?.once("data", (chunk: Buffer) => resolve(Number(String(chunk).split(" ")[2]))),
      );

    it("stops its steps when the executor is gone, even when its log cannot be written", async () => {
      const { directory } = workflowFile("steps: {}\n");
      // Gone right after the step's pid came: the Perl spawner's child may not have called
      // setsid yet, so its group does not exist (that race left one in 7 to 20 running).
      for (let round = 0; round < 40; round++) {
        const full = openSync("/dev/full", "w");
        const child = startSpawner(full);
        closeSync(full);
        const target = captures(directory, `a${round}`);
        child.stdin?.write(
          request(1, directory, target, ["sleep", "60"], [`+PATH=${process.env.PATH}`]),
        );
        const pid = await firstPid(child);
        child.stdin?.end();
        expect(await exited(child)).toBe(0);
        expect(alive(pid)).toBe(false);
      }
    });

    it("gives the steps it stops when the executor is gone their grace, though others die at once", async () => {
      const { directory } = workflowFile("steps: {}\n");
      const child = startSpawner();
      const env = [`+PATH=${process.env.PATH}`];
      // One dies at SIGTERM at once; the other takes 0.2 s to finish, within the 0.5 s grace.
      child.stdin?.write(request(1, directory, captures(directory, "a"), ["sleep", "60"], env));
      child.stdin?.write(
        request(
          2,
          directory,
          captures(directory, "b"),
          [
            "bash",
            "-c",
            "trap 'sleep 0.2; echo done > graceful; exit 0' TERM; : > trapping; while :; do sleep 0.05; done",
          ],
          [],
        ),
      );
      // Once it has set its trap (a SIGTERM before would end it at once).
      await vi.waitFor(() => expect(readdirSync(directory)).toContain("trapping"), {
        timeout: 5000,
        interval: 10,
      });
      child.stdin?.end();
      expect(await exited(child)).toBe(0);
      expect(readFileSync(join(directory, "graceful"), "utf8")).toBe("done\n");
    });

    it("stops its steps when the executor is gone with reports it had not read", async () => {
      const { directory } = workflowFile("steps: {}\n");
      const child = startSpawner();
      const target = captures(directory, "a");
      child.stdin?.write(
        request(1, directory, target, ["sleep", "60"], [`+PATH=${process.env.PATH}`]),
      );
      const pid = await firstPid(child);
      // The executor reads no more (its end is a socket), and the spawner has more to say than
      // the socket holds (a capture path of 20 KiB cannot be opened: it says so, path and all),
      // so it waits to write, a report whose every byte it still has.
      child.stdout?.pause();
      const long = { ...target, outPath: join(directory, "x".repeat(20 * 1024)) };
      const wchan = () => readFileSync(`/proc/${child.pid}/wchan`, "utf8");
      for (let id = 2; id < 200 && !wchan().includes("send"); id += 1) {
        child.stdin?.write(request(id, directory, long, ["true"], []));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await vi.waitFor(() => expect(wchan()).toContain("send"), { timeout: 3000, interval: 20 });
      // Then it dies, its unread reports with it: the spawner's write fails with ECONNRESET.
      child.stdin?.destroy();
      child.stdout?.destroy();
      expect(await exited(child)).toBe(0);
      await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 3000, interval: 20 });
    });

    it("answers a request whose payload it does not understand, and goes on", async () => {
      const { directory } = workflowFile("steps: {}\n");
      const child = startSpawner();
      const reports: string[] = [];
      child.stdout?.setEncoding("utf8").on("data", (text: string) => reports.push(text));
      child.stdin?.write("S 1 0\nS 2 3\na\0bS 3 7\n/\0/\0/\0x");
      const target = captures(directory, "a");
      child.stdin?.write(request(4, directory, target, ["/bin/true"], []));
      await vi.waitFor(() => expect(reports.join("")).toContain("X 4 0 0\n"), { timeout: 3000 });
      expect(reports.join("").split("\n").slice(0, 3)).toEqual([
        "F 1 a request it does not understand",
        "F 2 a request it does not understand",
        "F 3 a request it does not understand",
      ]);
      child.stdin?.end("Q 0 0\n");
      expect(await exited(child)).toBe(0);
    });
  },
);

describe("choosing how local steps are started", () => {
  const choose = (choice: string | undefined) => {
    const saved = process.env.RUNYARD_SPAWNER;
    try {
      if (choice === undefined) delete process.env.RUNYARD_SPAWNER;
      else process.env.RUNYARD_SPAWNER = choice;
      return { spawner: findSpawner(), output: createStepBackend().output };
    } finally {
      if (saved === undefined) delete process.env.RUNYARD_SPAWNER;
      else process.env.RUNYARD_SPAWNER = saved;
    }
  };

  it("takes the system's Python, then Perl; one only when RUNYARD_SPAWNER names it; none with node", () => {
    const auto = choose(undefined);
    expect(auto.spawner?.kind).toBe(
      python !== undefined ? "python" : perl !== undefined ? "perl" : undefined,
    );
    expect(auto.output).toBe(auto.spawner === undefined ? undefined : "file");
    // Perl, when there is one, is the Python spawner's way out on a Python older than 3.8.
    if (python !== undefined && perl !== undefined) expect(auto.spawner?.args.at(-1)).toBe(perl);
    expect(choose("perl").spawner?.kind).toBe(perl === undefined ? undefined : "perl");
    expect(choose("python").spawner?.args).toEqual(
      python === undefined
        ? undefined
        : ["-I", "-S", expect.stringMatching(/runyard-spawner\.py$/)],
    );
    expect(choose("node")).toEqual({ spawner: undefined, output: undefined });
  });

  it("says in executor.log when RUNYARD_SPAWNER cannot be followed", () => {
    const said: string[] = [];
    const saved = process.env.RUNYARD_SPAWNER;
    try {
      process.env.RUNYARD_SPAWNER = "pyhton";
      createStepBackend({ onProblem: (message) => said.push(message) });
    } finally {
      if (saved === undefined) delete process.env.RUNYARD_SPAWNER;
      else process.env.RUNYARD_SPAWNER = saved;
    }
    expect(said).toEqual([
      "RUNYARD_SPAWNER=pyhton is not one of python, perl, node: chosen as if it were unset",
    ]);
    expect(spawnerChoiceProblem("python", undefined)).toBe(
      "RUNYARD_SPAWNER=python, but no Python in /usr/bin/python3, /bin/python3, /usr/local/bin/python3: the executor starts the steps itself",
    );
    expect(spawnerChoiceProblem("perl", perl === undefined ? undefined : perlSpawner(perl))).toBe(
      perl === undefined
        ? "RUNYARD_SPAWNER=perl, but no perl on PATH or in /usr/bin: the executor starts the steps itself"
        : undefined,
    );
    expect(spawnerChoiceProblem(undefined, undefined)).toBeUndefined();
    expect(spawnerChoiceProblem("node", undefined)).toBeUndefined();
  });

  it("finds Perl on PATH and Python only where the system keeps it", () => {
    const { directory } = workflowFile("steps: {}\n");
    const bin = join(directory, "bin");
    mkdirSync(bin);
    for (const name of ["perl", "python3"]) {
      writeFileSync(join(bin, name), "#!/bin/sh\n");
      chmodSync(join(bin, name), 0o755);
    }
    expect(findPerl(`${join(directory, "nothing")}:${bin}`)).toBe(join(bin, "perl"));
    expect(findSystemPython([join(directory, "nothing"), join(bin, "python3")])).toBe(
      join(bin, "python3"),
    );
    expect(findSystemPython([join(directory, "nothing")])).toBeUndefined();
  });

  it.skipIf(python === undefined || perl === undefined)(
    "hands a Python older than 3.8 over to the Perl spawner, on the same pipes",
    async () => {
      const { directory } = workflowFile("steps: {}\n");
      const program = pythonSpawner(python as string, perl);
      const [script, fallback] = program.args.slice(2);
      // The spawner as an old Python would run it: sys.version_info says 3.7.
      const old: SpawnerProgram = {
        kind: "python",
        command: program.command,
        args: [
          "-I",
          "-S",
          "-c",
          "import sys; sys.version_info = (3, 7, 0); __file__ = sys.argv[1]; " +
            "sys.argv = sys.argv[1:]; exec(compile(open(__file__).read(), __file__, 'exec'))",
          script as string,
          fallback as string,
        ],
      };
      const backend = createSpawnerBackend({ spawner: old });
      try {
        const target = captures(directory, "a");
        const handle = backend.start(step("cat /proc/$PPID/comm", directory), target, {
          PATH: process.env.PATH,
        });
        expect(await handle.exit).toEqual({ exitCode: 0, signal: null });
        expect(readFileSync(target.outPath, "utf8")).toBe("perl\n");
      } finally {
        backend.close?.();
      }
    },
  );
});

describe("following captures a backend writes itself", () => {
  it("gives a viewer the output live, in order, in whole characters, before the step ends", async () => {
    const { file, runsRoot, directory } = workflowFile("steps: {}\n");
    const gate = fifo(directory);
    writeFileSync(
      file,
      `steps:\n  talk:\n    run: printf 'h\\303'; sleep 0.2; printf '\\251 1\\n'; read -r _ < "${gate}"; echo 2\n`,
    );
    const log = new EventLog();
    const running = runWorkflow({
      workflowFile: file,
      runsRoot,
      output: true,
      onEvent: log.onEvent,
    });
    // The first line arrives while the step still waits at its gate.
    const first = await log.next(
      (event) => event.type === "step-output" && event.data.includes("1"),
    );
    expect(log.events.some((event) => event.type === "step-end")).toBe(false);
    writeFileSync(gate, "go\n");
    await running;
    const outputs = log.events.flatMap((event) => (event.type === "step-output" ? [event] : []));
    expect(outputs.map((event) => event.data).join("")).toBe("hé 1\n2\n");
    expect(first.type).toBe("step-output");
    // Offsets follow the bytes: each piece starts where the one before ended.
    let offset = 0;
    for (const event of outputs) {
      expect(event.offset).toBe(offset);
      offset += event.bytes ?? Number.NaN;
    }
  });

  it.skipIf(findSpawner() === undefined)(
    "emits no output of a step before its step-start, however late the spawner reports the pid",
    async () => {
      const { file, runsRoot } = workflowFile("steps: {}\n");
      writeFileSync(file, "steps:\n  early:\n    run: echo first; echo second >&2\n");
      const inner = createSpawnerBackend({ spawner: findSpawner() as SpawnerProgram });
      // The spawner's report of the pid comes late (a busy executor reads it late): the step
      // has written and ended, and the captures were polled several times, before it is known.
      const late: Backend = {
        name: "local",
        output: "file",
        start(resolved, target, env) {
          const handle = inner.start(resolved, target, env);
          const started = (handle.started ?? Promise.resolve())
            .then(() => handle.exit)
            .then(() => new Promise<void>((resolve) => setTimeout(resolve, 200)));
          return {
            exit: started.then(() => handle.exit),
            started,
            get pid() {
              return handle.pid;
            },
            get pgid() {
              return handle.pgid;
            },
            kill: (signal) => handle.kill(signal),
            stop: (graceMs) => handle.stop(graceMs),
          };
        },
        close: () => inner.close?.(),
      };
      const log = new EventLog();
      await runWorkflow({
        workflowFile: file,
        runsRoot,
        output: true,
        onEvent: log.onEvent,
        backends: { local: late },
      });
      const types = log.events.map((event) => event.type);
      const start = types.indexOf("step-start");
      expect(start).toBeGreaterThanOrEqual(0);
      expect(types.indexOf("step-output")).toBeGreaterThan(start);
      const outputs = log.events.flatMap((event) =>
        event.type === "step-output" ? [`${event.stream}:${event.data}`] : [],
      );
      expect(outputs.sort()).toEqual(["stderr:second\n", "stdout:first\n"]);
    },
  );

  it("starts a viewer that comes mid-stream on a character boundary, and reads nothing while nobody watches", () => {
    const { directory } = workflowFile("steps: {}\n");
    const target = captures(directory, "a");
    let wanted = false;
    const seen: string[] = [];
    const follower = new CaptureFollower(
      { stdout: openSync(target.outPath, "r"), stderr: openSync(target.errPath, "r") },
      () => wanted,
      (_stream, text) => seen.push(text.data),
    );
    try {
      // The last look while nobody watched ends inside a character (é is c3 a9).
      writeFileSync(target.outPath, Buffer.from([0x61, 0x62, 0xc3]));
      follower.poll(1 << 20);
      expect(seen).toEqual([]);
      appendFileSync(target.outPath, Buffer.from([0xa9, 0x78, 0xc3, 0xa9]));
      wanted = true;
      follower.poll(1 << 20);
      expect(seen.join("")).toBe("x\u00e9");
    } finally {
      follower.close();
    }
  });
});
