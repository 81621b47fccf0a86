// `runyard log [--warn|--error] MESSAGE...` (its help: command-table/log.ts).
import { LOG_MESSAGE_MAX_BYTES } from "@runyard/schema/layout";
import type { CommandRun } from "../command.js";
import { EXIT, UsageError } from "../errors.js";
import { askExecutor, stepIdentity } from "../step-client.js";

export const run: CommandRun = async (values, positionals, context) => {
  if (values.warn === true && values.error === true) {
    throw new UsageError("--warn and --error exclude each other");
  }
  const message = positionals.join(" ");
  if (message === "") throw new UsageError("missing the message", "usage: runyard log <message>");
  const bytes = Buffer.byteLength(message);
  if (bytes > LOG_MESSAGE_MAX_BYTES) {
    throw new UsageError(
      `the message is ${bytes} bytes, more than the ${LOG_MESSAGE_MAX_BYTES} a log line may hold`,
      "save longer text as an artifact: runyard artifact save FILE",
    );
  }
  const identity = stepIdentity(context.env);
  const level = values.error === true ? "error" : values.warn === true ? "warn" : "info";
  await askExecutor(identity, { type: "step-log", level, message });
  return EXIT.ok;
};
