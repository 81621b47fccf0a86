// `runyard gc`: applies the retention policy (the config's `retention:` block, else the seed's
// cleanup policy) to the runs root, and prints each run it removes and the space freed. With
// --dry-run it prints the same plan and removes nothing.
// Its help and flags only; the code is loaded when the command runs (commands/gc.ts).
import type { Command } from "../command.js";

export const gcCommand: Command = {
  name: "gc",
  summary: "Remove ended runs as the retention policy says, and print the space freed",
  usage: "runyard gc [options]",
  help: `Applies the retention policy to the runs root: each ended run is kept, removed, or removed
once it ended longer ago than a duration, by how it ended; then, if the runs still take more
than maxTotalSize, the runs that ended longest ago go too. Running runs, runs whose state
cannot be told from here (started on another host) and unreadable runs are never removed,
nor a crashed run whose Slurm jobs still run (they write into its directory).
Prints each run removed (id, workflow, state, when it ended, size, why) and the space freed.
Removals an earlier rm or gc did not finish (.removing-… directories) are finished, and
launches abandoned an hour or more ago (.launch-… directories no executor committed) removed.

The policy is the 'retention:' block of ~/.runyard/config.yaml; without one, the default:
success and cancelled runs are removed, failed and crashed runs kept.

  retention:
    success: delete        # keep, delete, or a duration: delete once ended that long ago
    cancelled: 1d
    failed: 30d
    crashed: keep
    maxTotalSize: 10GiB    # optional: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB

Options:
  -n, --dry-run        Print what would be removed, and remove nothing
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)
      --json           Print the plan and what was done as one JSON object (runyard's
                       GcResultJsonSchema)

Examples:
  runyard gc --dry-run
  runyard gc
  runyard gc --json | jq '.freedBytes'`,
  options: {
    "dry-run": { type: "boolean", short: "n" },
    "runs-dir": { type: "string" },
    json: { type: "boolean" },
  },
  load: async () => (await import("../commands/gc.js")).run,
};
