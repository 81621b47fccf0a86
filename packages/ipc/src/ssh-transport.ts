// Reaching a run on another login node: ipc.sock only answers on the host that runs the
// executor, so the client runs `<ssh> <host> <runyard> bridge <runDir>` and speaks the
// protocol over that process's stdio; the bridge relays the bytes to the socket there.
//
// The ssh command comes from RUNYARD_SSH (default `ssh`), split on whitespace, e.g.
// `ssh -o BatchMode=yes`. The remote command line is run by the remote user's shell, as ssh
// always does: RUNYARD_REMOTE_CLI (default `runyard`) is how that shell finds runyard, e.g.
// `/opt/runyard/bin/runyard` or `node /shared/runyard/apps/cli/dist/bundle/runyard.js` where a
// non-interactive login has no module loaded and runyard is not on the PATH.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { RUN_FILES } from "@runyard/schema";
import { childStdio } from "./child-stdio.js";
import { IpcConnectError, NoExecutorError } from "./errors.js";
import type { IpcTransport } from "./transport.js";

/** The environment variable that holds the ssh command. */
export const SSH_COMMAND_ENV = "RUNYARD_SSH";
/** The environment variable that says how the remote shell runs runyard. */
export const REMOTE_CLI_ENV = "RUNYARD_REMOTE_CLI";
/**
 * `runyard bridge` exits with this when no executor answers on the run's socket
 * (EX_UNAVAILABLE in sysexits.h); sshTransport turns it back into NoExecutorError.
 */
export const BRIDGE_NO_EXECUTOR_STATUS = 69;

/** What ssh exits with when it could not connect or authenticate (OpenSSH). */
const SSH_FAILED_STATUS = 255;
/** What a POSIX shell exits with when it cannot find the command. */
const COMMAND_NOT_FOUND_STATUS = 127;

export interface SshTransportOptions {
  /** The ssh command, split on whitespace (default: $RUNYARD_SSH, else `ssh`). */
  sshCommand?: string;
  /** How the remote shell runs runyard (default: $RUNYARD_REMOTE_CLI, else `runyard`). */
  remoteCli?: string;
  /** Where RUNYARD_SSH and RUNYARD_REMOTE_CLI are read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Quotes `text` as one word for a POSIX shell. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

function words(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

/** The tail of the remote side's stderr, as a clause: ": <last line>", or nothing. */
function said(stderr: string): string {
  const last = stderr
    .split("\n")
    .at(-1)
    ?.replace(/^error:\s*/, "");
  return last ? `: ${last}` : "";
}

/**
 * A transport to the run in `runDirectory` on `host`, through `runyard bridge` over ssh. Each
 * open() starts a new ssh process; its failures come as errors of the stream: NoExecutorError
 * when the bridge found no executor, IpcConnectError when ssh or the remote runyard failed.
 */
export function sshTransport(
  host: string,
  runDirectory: string,
  options: SshTransportOptions = {},
): IpcTransport {
  // The host goes on ssh's command line: a leading dash would be read as an option.
  if (host === "" || host.startsWith("-") || /[\s\0]/.test(host)) {
    throw new IpcConnectError(host, undefined, {
      code: "E_SSH_HOST",
      message: `not a host name to ssh to: ${JSON.stringify(host)}`,
    });
  }
  const env = options.env ?? process.env;
  const ssh = words(options.sshCommand ?? (env[SSH_COMMAND_ENV] || "ssh"));
  const remoteCli = (options.remoteCli ?? (env[REMOTE_CLI_ENV] || "runyard")).trim();
  const target = `${host}:${join(runDirectory, RUN_FILES.socket)}`;
  const [command = "ssh", ...sshArguments] = ssh;
  const remote = `${remoteCli} bridge ${shellQuote(runDirectory)}`;

  const describeExit = (code: number | null, signal: NodeJS.Signals | null, stderr: string) => {
    if (code === 0) return undefined;
    if (code === BRIDGE_NO_EXECUTOR_STATUS) {
      return new NoExecutorError(target, undefined, { detail: `on ${host}${said(stderr)}` });
    }
    if (code === SSH_FAILED_STATUS) {
      return new IpcConnectError(target, undefined, {
        message: `ssh to ${host} failed${said(stderr)}`,
        hint: `check that '${ssh.join(" ")} ${host} true' works without a prompt; ${SSH_COMMAND_ENV} sets the ssh command`,
      });
    }
    if (code === COMMAND_NOT_FOUND_STATUS) {
      return new IpcConnectError(target, undefined, {
        message: `${host} cannot run '${remoteCli}'${said(stderr)}`,
        hint: `set ${REMOTE_CLI_ENV} to how a non-interactive shell on ${host} runs runyard, e.g. /path/to/runyard`,
      });
    }
    const how = signal === null ? `exited with status ${code}` : `was ended by ${signal}`;
    return new IpcConnectError(target, undefined, {
      message: `runyard bridge on ${host} ${how}${said(stderr)}`,
    });
  };
  const describeSpawnError = (error: Error) =>
    new IpcConnectError(target, error, {
      message: `cannot run ${command}: ${error.message}`,
      hint: `${SSH_COMMAND_ENV} sets the ssh command`,
    });

  return {
    target,
    async open(signal) {
      signal?.throwIfAborted();
      const child = spawn(command, [...sshArguments, host, remote], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      // The client destroys the stream on abort, which ends ssh.
      return childStdio(child, describeExit, describeSpawnError);
    },
  };
}
