// The `runyard` command line: global flags, subcommand dispatch, help and exit status.
import { parseArgs } from "node:util";
import type { PrestartedExecutor } from "@runyard/executor";
// Only what --version and reporting an error need: the command table is imported for anything
// else, and a command's code when it runs.
import { RunyardError } from "@runyard/schema/errors";
import { findSystemError } from "@runyard/store/system-errors";
import type { Command, CommandContext, SignalSource } from "./command.js";
import type { COMMANDS } from "./command-table/index.js";
import { EXIT, fromSystemError, reportError, UsageError } from "./errors.js";
import { openFilesLimit, outOfFilesMessage } from "./load-guard.js";
import { isReaderGone, type Output, paint, terminalOutput } from "./output.js";
import { VERSION } from "./version.js";

function mainHelp(commands: typeof COMMANDS): string {
  const shown = commands.filter((command) => !command.hidden);
  const width = Math.max(...shown.map((command) => command.name.length));
  const lines = shown.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `runyard ${VERSION} — run workflows of shell steps, locally or on Slurm, with a durable
run directory for every run.

Usage: runyard <command> [options]

Commands:
${lines.join("\n")}

Global options:
  -h, --help      Show help for runyard or a command
  -V, --version   Print the version
      --debug     Show stack traces on errors

Run 'runyard <command> --help' for a command's options and examples.
`;
}

function commandHelp(command: Command): string {
  return `${command.summary}\n\nUsage: ${command.usage}\n\n${command.help}\n`;
}

export interface MainOptions {
  output?: Output;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  signals?: SignalSource;
  /** The executor bin.ts started for a `run` (early-run.ts), for the command to adopt. */
  prestarted?: PrestartedExecutor;
}

const NO_SIGNALS: SignalSource = { listen: () => () => undefined };

/**
 * Once stdout is closed, how the command ends: quietly with 0 when the reader went away
 * (`runyard logs … | head`), else with the write error (a full disk behind `> file`).
 */
async function afterStdoutClosed(output: Output, status: () => number): Promise<number> {
  // A failed write is reported a moment after it was made: let it arrive.
  await new Promise((resolvePromise) => setImmediate(resolvePromise));
  const closed = output.closed;
  if (!closed?.aborted) return status();
  if (isReaderGone(closed.reason)) return EXIT.ok;
  const facts = findSystemError(closed.reason);
  const message = facts ? fromSystemError(facts).message : String(closed.reason);
  output.err(`${paint(output, "red", "error:")} cannot write to standard output: ${message}\n`);
  return EXIT.io;
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit status. */
/** The working directory; one removed from under the shell says so (not "cannot use"). */
function currentDirectory(): string {
  try {
    return process.cwd();
  } catch (error) {
    throw new RunyardError("E_CWD_GONE", "the current directory no longer exists", {
      cause: error,
      hint: "it was removed or moved: cd to a directory that exists, then run the command again",
    });
  }
}

export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const output = options.output ?? terminalOutput();
  const debug = argv.includes("--debug");
  let status: number;
  try {
    status = await dispatch(argv, output, options, debug);
  } catch (error) {
    if (output.closed?.aborted) return afterStdoutClosed(output, () => EXIT.failed);
    return reportError(error, output, debug);
  }
  return afterStdoutClosed(output, () => status);
}

/**
 * Imports code, saying in words when the open files ran out (see load-guard.ts): undefined
 * then, and the command ends with EXIT.io.
 */
async function guardedImport<T>(load: () => Promise<T>, output: Output): Promise<T | undefined> {
  const limit = openFilesLimit();
  try {
    return await load();
  } catch (error) {
    const message = outOfFilesMessage(error, limit);
    if (message === undefined) throw error;
    output.err(message);
    return undefined;
  }
}

async function dispatch(
  argv: readonly string[],
  output: Output,
  options: MainOptions,
  debug: boolean,
): Promise<number> {
  const args = argv.filter((arg) => arg !== "--debug");
  const [first, ...rest] = args;
  if (first === "-V" || first === "--version") {
    output.out(`runyard ${VERSION}\n`);
    return EXIT.ok;
  }
  // Everything else needs the command table (and --version not even that).
  const table = await guardedImport(() => import("./command-table/index.js"), output);
  if (table === undefined) return EXIT.io;
  const { COMMANDS, findCommand } = table;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    const topic = first === "help" && rest[0] ? findCommand(rest[0]) : undefined;
    // Asked for, help is the output (stdout, exit 0); given no command, it is a usage error
    // (stderr, exit 2), so scripts can tell the two apart.
    if (first === undefined) {
      output.err(mainHelp(COMMANDS));
      return EXIT.usage;
    }
    output.out(topic ? commandHelp(topic) : mainHelp(COMMANDS));
    return EXIT.ok;
  }
  const command = findCommand(first);
  if (!command) {
    throw new UsageError(
      `unknown command "${first}"`,
      `see 'runyard --help'; commands: ${COMMANDS.filter((c) => !c.hidden)
        .map((c) => c.name)
        .join(", ")}`,
    );
  }
  if (rest.includes("-h") || rest.includes("--help")) {
    output.out(commandHelp(command));
    return EXIT.ok;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(
      (error as Error).message.replace(/\. To specify a positional.*$/s, ""),
      `see 'runyard ${command.name} --help'`,
    );
  }
  const signals = [options.signal ?? new AbortController().signal];
  if (output.closed) signals.push(output.closed);
  const context: CommandContext = {
    output,
    env: options.env ?? process.env,
    cwd: options.cwd ?? currentDirectory(),
    // Ctrl-C, or stdout's reader gone: either way there is no point in going on.
    signal: AbortSignal.any(signals),
    signals: options.signals ?? NO_SIGNALS,
    debug,
    command,
    commands: COMMANDS,
    ...(options.prestarted === undefined ? {} : { prestarted: options.prestarted }),
  };
  const run = await guardedImport(() => command.load(), output);
  if (run === undefined) return EXIT.io;
  return await run(parsed.values, parsed.positionals, context);
}
