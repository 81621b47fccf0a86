// `runyard run`'s head start: before the CLI loads its modules (the command table, the
// schemas, the IPC client: about half of its start), bin.ts asks this module to start the
// run's executor, so that the executor's own start (a Node process loading its bundle)
// overlaps the CLI's. It only does so when the command line is plainly a `run` that will
// launch — its flags parse, it is not a --dry-run, the workflow is a file, the runs root is
// found — and otherwise leaves everything, errors included, to the command itself. The command
// adopts the executor through launchRun (its `prestarted` option); one it does not adopt (it
// failed before launching: a params file it refused) is abandoned when the process exits, and
// the executor, seeing its pipe close, removes what was staged and exits.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type PrestartedExecutor, prestartExecutor } from "@runyard/executor";
import { findRunsRoot } from "@runyard/store";
import { runCommand } from "./command-table/run.js";

/**
 * The executor for `runyard <argv>`, started and waiting for its go, or undefined when argv is
 * not a launching `run` or anything about it is in doubt. Never throws.
 */
export async function prestartRun(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<PrestartedExecutor | undefined> {
  try {
    const [first, ...rest] = argv.filter((arg) => arg !== "--debug");
    if (first !== "run" || rest.includes("-h") || rest.includes("--help")) return undefined;
    const { values, positionals } = parseArgs({
      args: rest,
      options: runCommand.options,
      allowPositionals: true,
      strict: true,
    });
    // A dry run starts nothing, not even an executor that would wait for a go.
    if (values["dry-run"] === true) return undefined;
    const cwd = process.cwd();
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0) return undefined;
    if (!statSync(resolve(cwd, file), { throwIfNoEntry: false })?.isFile()) return undefined;
    const flag = values["runs-dir"];
    if (typeof flag === "string" && flag.trim() === "") return undefined;
    const runsRoot = await findRunsRoot({
      env,
      cwd,
      ...(typeof flag === "string" ? { flag } : {}),
    });
    const executor = await prestartExecutor({ runsRoot: runsRoot.path, env, cwd });
    process.once("exit", () => executor.abandon());
    return executor;
  } catch {
    return undefined;
  }
}
