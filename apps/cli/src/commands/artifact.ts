// `runyard artifact save FILE [NAME]` (its help: command-table/artifact.ts). FILE is the user's
// own (read as any command would, links followed); the copy is made in a staged file in the
// run's artifacts/, never through a link, and the executor publishes it as NAME.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { RunyardError } from "@runyard/schema/errors";
import { artifactNameProblem, ENV, RUN_FILES } from "@runyard/schema/layout";
import type { CommandRun } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { askExecutor, createStagedFile, discardStagedFile, stepIdentity } from "../step-client.js";

const USAGE = "runyard artifact save <file> [name]";

export const run: CommandRun = async (_values, positionals, context) => {
  const [action, file, given, ...extra] = positionals;
  refuseExtraArguments(extra, USAGE);
  if (action !== "save") {
    throw new UsageError(
      action === undefined ? "missing the action" : `unknown action "${action}"`,
      `usage: ${USAGE}`,
    );
  }
  if (file === undefined || file === "") {
    throw new UsageError("missing the file to save", `usage: ${USAGE}`);
  }
  const name = given ?? basename(file);
  const problem = artifactNameProblem(name);
  if (problem) {
    throw new UsageError(
      `invalid artifact name "${name}": ${problem}`,
      given === undefined ? "give a NAME: runyard artifact save FILE NAME" : undefined,
    );
  }
  const identity = stepIdentity(context.env);
  const path = resolve(context.cwd, file);
  // O_NONBLOCK: a named pipe in FILE's place must not hang the step here.
  const source = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const artifacts =
    context.env[ENV.artifactsDir] || join(dirname(identity.socket), RUN_FILES.artifacts);
  let staged: Awaited<ReturnType<typeof createStagedFile>> | undefined;
  try {
    if (!(await source.stat()).isFile()) {
      throw new RunyardError("E_INVALID_FILE", `not a regular file: ${file}`, {
        hint: "save a file; to keep a directory, archive it first (tar czf out.tgz dir)",
      });
    }
    staged = await createStagedFile(artifacts, RUN_FILES.artifacts, false);
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const { bytesRead } = await source.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      await staged.handle.write(buffer, 0, bytesRead);
    }
    await staged.handle.datasync();
    await staged.handle.close();
    await askExecutor(identity, { type: "step-artifact", name, staged: staged.name });
  } catch (error) {
    if (staged) await discardStagedFile(staged);
    throw error;
  } finally {
    await source.close().catch(() => undefined);
  }
  return EXIT.ok;
};
