// The `runyard` command line: global flags, subcommand dispatch, help and exit status.
import { parseArgs } from "node:util";
import type { Command, CommandContext } from "./command.js";
import { guiCommand } from "./commands/gui.js";
import { logsCommand } from "./commands/logs.js";
import { psCommand } from "./commands/ps.js";
import { runCommand } from "./commands/run.js";
import { validateCommand } from "./commands/validate.js";
import { EXIT, reportError, UsageError } from "./errors.js";
import { type Output, terminalOutput } from "./output.js";
import { VERSION } from "./version.js";

export const COMMANDS: readonly Command[] = [
  runCommand,
  psCommand,
  logsCommand,
  validateCommand,
  guiCommand,
];

function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name || command.aliases?.includes(name));
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
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
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const output = options.output ?? terminalOutput();
  const debug = argv.includes("--debug");
  const args = argv.filter((arg) => arg !== "--debug");
  try {
    const [first, ...rest] = args;
    if (first === undefined || first === "-h" || first === "--help" || first === "help") {
      const topic = first === "help" && rest[0] ? findCommand(rest[0]) : undefined;
      output.out(topic ? commandHelp(topic) : mainHelp());
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    if (first === "-V" || first === "--version") {
      output.out(`runyard ${VERSION}\n`);
      return EXIT.ok;
    }
    const command = findCommand(first);
    if (!command) {
      throw new UsageError(
        `unknown command "${first}"`,
        `see 'runyard --help'; commands: ${COMMANDS.map((c) => c.name).join(", ")}`,
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
    const context: CommandContext = {
      output,
      env: options.env ?? process.env,
      cwd: options.cwd ?? process.cwd(),
      signal: options.signal ?? new AbortController().signal,
      debug,
    };
    return await command.run(parsed.values, parsed.positionals, context);
  } catch (error) {
    return reportError(error, output, debug);
  }
}
