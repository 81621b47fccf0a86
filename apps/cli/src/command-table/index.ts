// The command table: every command's name, help and flags, and how to load its code. This is
// all that `runyard --help`, `--version`, a usage error and completion load; a command's code
// (and the packages it needs: zod, yaml, the executor…) is imported only when it runs.
import type { Command } from "../command.js";
import { artifactCommand } from "./artifact.js";
import { attachCommand } from "./attach.js";
import { bridgeCommand } from "./bridge.js";
import { cancelCommand } from "./cancel.js";
import { completeCommand, completionCommand } from "./completion.js";
import { duCommand } from "./du.js";
import { exportCommand } from "./export.js";
import { gcCommand } from "./gc.js";
import { graphCommand } from "./graph.js";
import { guiCommand } from "./gui.js";
import { logCommand } from "./log.js";
import { logsCommand } from "./logs.js";
import { psCommand } from "./ps.js";
import { receiveCommand } from "./receive.js";
import { rerunCommand } from "./rerun.js";
import { resumeCommand } from "./resume.js";
import { rmCommand } from "./rm.js";
import { runCommand } from "./run.js";
import { sendCommand } from "./send.js";
import { showCommand } from "./show.js";
import { testCommand } from "./test.js";
import { trustCommand } from "./trust.js";
import { validateCommand } from "./validate.js";

export const COMMANDS: readonly Command[] = [
  runCommand,
  rerunCommand,
  attachCommand,
  cancelCommand,
  resumeCommand,
  psCommand,
  showCommand,
  logsCommand,
  validateCommand,
  graphCommand,
  exportCommand,
  testCommand,
  guiCommand,
  rmCommand,
  gcCommand,
  duCommand,
  trustCommand,
  logCommand,
  sendCommand,
  receiveCommand,
  artifactCommand,
  completionCommand,
  bridgeCommand,
  completeCommand,
];

/** The command `name` names, or one of its aliases; undefined for none. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name || command.aliases?.includes(name));
}
