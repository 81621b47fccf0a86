// What a command loads before it does anything: `--help` loads the command table and nothing of
// zod, yaml or the executor, `--version` not even the table (issue 8). Counted, not timed: a
// count does not depend on how busy the machine is. The times are the bench's.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { RUN_CLASSIFICATIONS } from "@runyard/store";
import { describe, expect, it } from "vitest";
import { cli, REPO, UNBUNDLED_BIN, useScratch } from "./cli.js";

const COUNTER = fileURLToPath(new URL("./module-count.mjs", import.meta.url));

/** A module's URL from the repository's root (`/packages/ipc/dist/…`), so that the checkout's
 * own path (a worktree at /work/gui) is never taken for a package's directory. */
const REPO_URL = pathToFileURL(REPO).href.replace(/\/$/, "");
const inRepo = (url: string) => (url.startsWith(REPO_URL) ? url.slice(REPO_URL.length) : url);

/** The ES modules `runyard ...args` loads, as file URLs. */
async function modulesLoaded(
  args: string[],
  runsDir: string,
  file: string,
  options: { code?: number; env?: Record<string, string> } = {},
): Promise<string[]> {
  const result = await cli(args, {
    runsDir,
    env: { NODE_OPTIONS: `--import=${COUNTER}`, RUNYARD_TEST_MODULES_FILE: file, ...options.env },
    // tsc's build, one file per module, so that what loads can be told apart; the bundle is
    // split at the same lazy imports (scripts/bundle.js).
    bin: UNBUNDLED_BIN,
  });
  expect(result.code, result.stderr).toBe(options.code ?? 0);
  const modules = readFileSync(file, "utf8")
    .split("\n")
    .filter((url) => url.startsWith("file:"));
  // The counter saw the CLI load (an empty list would pass every check below).
  expect(modules.some((url) => url.endsWith("/apps/cli/dist/main.js"))).toBe(true);
  return modules;
}

describe("start-up", () => {
  const scratch = useScratch();

  it("runyard --version loads neither the command table nor any third-party module", async () => {
    const modules = await modulesLoaded(
      ["--version"],
      scratch.runsDir,
      join(scratch.directory, "modules"),
    );
    expect(modules.filter((url) => /\/node_modules\/|\/command-table\//.test(url))).toEqual([]);
    // bin, main, errors, output, version and two small subpaths; today 9.
    expect(modules.length).toBeLessThan(15);
  });

  for (const args of [["--help"], ["ps", "--help"]]) {
    it(`runyard ${args.join(" ")} loads the command table, no third-party module`, async () => {
      const modules = await modulesLoaded(
        args,
        scratch.runsDir,
        join(scratch.directory, "modules"),
      );
      expect(modules.filter((url) => url.includes("/node_modules/"))).toEqual([]);
      // The CLI's own light files (the table, errors, output) and two small subpaths; today 24.
      expect(modules.length).toBeLessThan(40);
    });
  }

  it("runyard ps loads no module of the executor, the ipc client or the GUI", async () => {
    const modules = await modulesLoaded(
      ["ps"],
      scratch.runsDir,
      join(scratch.directory, "modules"),
    );
    expect(modules.some((url) => url.endsWith("/commands/ps.js"))).toBe(true);
    expect(modules.filter((url) => /\/(executor|ipc|gui)\//.test(inRepo(url)))).toEqual([]);
  });

  it("runyard log, send, receive and artifact load no third-party module (no zod): a step may call them often", async () => {
    for (const args of [
      ["log", "hi"],
      // "run" as an argument, not the command: bin.ts must not start an executor for it.
      ["log", "run", "started"],
      ["send", "x"],
      ["receive", "x"],
      ["artifact", "save", "f"],
    ]) {
      const modules = await modulesLoaded(
        args,
        scratch.runsDir,
        join(scratch.directory, `modules-${args[0]}`),
        // Outside a step (exit 2): the command's code is loaded all the same.
        { code: 2, env: { RUNYARD_SOCKET: "", RUNYARD_INBOX_DIR: "" } },
      );
      expect(modules.some((url) => url.endsWith(`/commands/${args[0]}.js`))).toBe(true);
      // Of the packages, only the small zod-free subpaths (layout, errors, system-errors).
      const heavy =
        /\/node_modules\/|\/(executor|ipc|protocol|gui)\/|\/store\/dist\/(?!system-errors)|\/schema\/dist\/(?!layout|errors)/;
      expect(modules.filter((url) => heavy.test(inRepo(url)))).toEqual([]);
      // The CLI's light files (the table, the command, step-client) and those subpaths; today 32.
      expect(modules.length).toBeLessThan(40);
    }
  });

  it("the bundled runyard ps does not load the YAML parser when there is no config file; validate does", async () => {
    /** Whether the bundle files `args` loads hold the yaml library (its Composer class). */
    const loadsYaml = async (args: string[]) => {
      const file = join(scratch.directory, `modules-${args[0]}`);
      const result = await cli(args, {
        runsDir: scratch.runsDir,
        // A HOME without ~/.runyard/config.yaml (and no RUNYARD_CONFIG): no config to parse.
        env: {
          NODE_OPTIONS: `--import=${COUNTER}`,
          RUNYARD_TEST_MODULES_FILE: file,
          HOME: scratch.directory,
          RUNYARD_HOME: "",
          RUNYARD_CONFIG: "",
        },
      });
      expect(result.code, result.stderr).toBe(0);
      const loaded = readFileSync(file, "utf8")
        .split("\n")
        .filter((url) => url.includes("/dist/bundle/"));
      expect(loaded.length).toBeGreaterThan(0);
      return loaded.some((url) =>
        readFileSync(fileURLToPath(url), "utf8").includes("var Composer = class"),
      );
    };
    expect(await loadsYaml(["ps"])).toBe(false);
    expect(await loadsYaml(["validate", join(REPO, "examples/hello.yaml")])).toBe(true);
  });

  it("runyard ps --help names every state --state takes (the table does not load the store)", async () => {
    const result = await cli(["ps", "--help"], { runsDir: scratch.runsDir });
    expect(result.stdout).toContain(`in this state: ${RUN_CLASSIFICATIONS.join(", ")};`);
  });
});
