// Reaching a run by its directory: meta.json says which host runs the executor, and only
// that host can connect to ipc.sock (a Unix socket on a shared file system is a name, not a
// door). So the client reads meta.json first — a file of someone's run directory: a regular
// file, not a link, at most 1 MiB, checked against the reader's schema — and refuses at once
// when the run lives elsewhere, naming the host, instead of failing on the socket.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  check,
  LenientRunMetaSchema,
  RUN_FILES,
  type RunMeta,
  readInputFile,
  shortHostname,
  ValidationError,
} from "@runyard/schema";
import { NoExecutorError, OtherHostError, RunMetaError } from "./errors.js";
import { type IpcTransport, openSocket } from "./transport.js";

/** meta.json is a few hundred bytes; anything near this is not one. */
export const MAX_RUN_META_BYTES = 1024 * 1024;

export interface RunTransportOptions {
  /** Where RUNYARD_HOSTNAME is read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The run's meta.json, or undefined when there is none yet (a run being launched writes it
 * after its directory exists). Throws RunMetaError or ValidationError for anything else.
 */
export async function readRunMeta(runDirectory: string): Promise<RunMeta | undefined> {
  const path = join(runDirectory, RUN_FILES.meta);
  const read = await readInputFile(path, MAX_RUN_META_BYTES, { followSymlinks: false });
  if (!read.ok) {
    if (read.code !== "ENOENT") throw new RunMetaError(path, read.reason, read.cause);
    // No meta.json yet is a run being launched; no directory is a wrong path.
    if (!existsSync(runDirectory)) throw new RunMetaError(path, "no such run directory");
    return undefined;
  }
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder().decode(read.bytes));
  } catch (error) {
    throw new RunMetaError(path, `not JSON: ${(error as Error).message}`, error);
  }
  const checked = check(LenientRunMetaSchema, document);
  if (!checked.ok) throw new ValidationError(path, checked.problems);
  return checked.value;
}

/**
 * A transport to the run in `runDirectory`: each open() reads meta.json, throws
 * OtherHostError when the run was started on another host, NoExecutorError at once when
 * meta.json records the run's end, and otherwise connects to its ipc.sock.
 */
export function runTransport(
  runDirectory: string,
  options: RunTransportOptions = {},
): IpcTransport {
  const socketPath = join(runDirectory, RUN_FILES.socket);
  return {
    target: socketPath,
    async open(signal) {
      const meta = await readRunMeta(runDirectory);
      if (meta !== undefined) {
        const thisHost = shortHostname(options.env);
        if (meta.startedOn !== thisHost)
          throw new OtherHostError(runDirectory, meta.startedOn, thisHost);
        if (meta.finalStatus !== null) {
          throw new NoExecutorError(socketPath, undefined, { finalStatus: meta.finalStatus });
        }
      }
      return openSocket(socketPath, signal);
    },
  };
}
