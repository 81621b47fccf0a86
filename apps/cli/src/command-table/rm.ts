// `runyard rm RUN…`: removes run directories. A running run is refused unless --force, which
// cancels it over its socket and waits for it to end first. Every run given is resolved before
// any is removed, so a typo removes nothing; then each is removed on its own, and one that
// cannot be is reported while the others go.
// Its help and flags only; the code is loaded when the command runs (commands/rm.ts).
import type { Command } from "../command.js";
import { DEFAULT_WAIT } from "./rm-defaults.js";

export const rmCommand: Command = {
  name: "rm",
  summary: "Remove runs: their run directories and everything in them",
  usage: "runyard rm <run>... [options]",
  help: `Removes each run's directory: its output, artifacts and records. <run> is a run id, a
unique prefix or suffix of one (its last 8 characters, as gc and du show), or 'latest'. Every
<run> is resolved before anything is removed. A run that is still running is refused; with
--force it is cancelled first (as Ctrl-C in its terminal would), and removed once its run
directory says it has ended. So is a crashed run whose Slurm jobs still run (they write into
its directory; 'runyard resume' takes them over); --force cancels them first. The directory
is renamed aside (.removing-<id>-…) before it is
deleted, so a removal cut short never leaves half a run behind; 'runyard gc' finishes it.
Symbolic links inside a run are removed as links: what they point to is never touched.

Options:
  -f, --force          Cancel a running run first, and wait for it to end; scancel a crashed
                       run's live Slurm jobs first; also remove a run
                       whose state cannot be told from here (started on another host without
                       a heartbeat, or an unreadable meta.json)
      --wait <time>    How long --force waits for a cancelled run to end (default ${DEFAULT_WAIT})
      --ssh            With --force, cancel a run started on another login node through ssh
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)
      --json           Print what was removed as one JSON object (runyard's RmResultJsonSchema)

Examples:
  runyard rm latest
  runyard rm 3841a144 5e0c41d2
  runyard rm --force 3841a144      # cancel it if it runs, then remove it`,
  options: {
    force: { type: "boolean", short: "f" },
    ssh: { type: "boolean" },
    wait: { type: "string" },
    "runs-dir": { type: "string" },
    json: { type: "boolean" },
  },
  load: async () => (await import("../commands/rm.js")).run,
};
