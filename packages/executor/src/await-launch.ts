// The executor's side of a prestart (prestart.ts): wait for the front end's `go`, or clean up
// after a front end that gave up.
import { lstatSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { basename, dirname, join, resolve } from "node:path";
import { isRunId } from "@runyard/schema";
import { STAGING_PREFIX } from "@runyard/store";

/**
 * Resolves true when the line `go` arrives on `fd`, false when the descriptor ends (or fails)
 * without it: the front end closed it, or died. The descriptor is closed either way.
 */
export function waitForGo(fd: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    let socket: Socket;
    try {
      socket = new Socket({ fd, readable: true, writable: false });
    } catch {
      resolvePromise(false);
      return;
    }
    let text = "";
    let settled = false;
    const settle = (go: boolean) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolvePromise(go);
    };
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      const newline = text.indexOf("\n");
      if (newline >= 0) settle(text.slice(0, newline) === "go");
      else if (text.length > 64) settle(false);
    });
    socket.on("end", () => settle(false));
    socket.on("close", () => settle(false));
    socket.on("error", () => settle(false));
  });
}

/** What a front end and the executor put in a staging directory before go. */
const STAGED_NAME =
  /^(?:executor\.log|workflow\.yaml|launch\.json|\.(?:workflow\.yaml|launch\.json)\.\d+\.[0-9a-f]+\.tmp)$/;

/**
 * Removes an abandoned staging directory: only one named `.launch-<run id>`, only the files
 * staging puts there, and the directory itself only if that leaves it empty — whatever path
 * this executor was given by hand, nothing else is touched. With `madeRoot` (the front end
 * made the runs root for this run: --made-root), the runs root goes too if that leaves it empty.
 */
export function removeAbandonedStaging(given: string, madeRoot = false): void {
  // Without its trailing slash: lstat("link/") would follow a symlink named .launch-<id> and
  // empty the directory it points to (a run's own executor.log, workflow.yaml, launch.json).
  const staging = resolve(given);
  const name = basename(staging);
  if (!name.startsWith(STAGING_PREFIX) || !isRunId(name.slice(STAGING_PREFIX.length))) return;
  try {
    if (!lstatSync(staging).isDirectory()) return;
    for (const entry of readdirSync(staging)) {
      if (STAGED_NAME.test(entry)) rmSync(join(staging, entry), { force: true });
    }
    rmdirSync(staging);
    if (madeRoot) rmdirSync(dirname(staging));
  } catch {
    // Gone already (the front end removed it), or not ours to empty: left as it is.
  }
}
