// Remembers the views of ended runs between listings, for a reader that lists the same runs
// root again and again (the GUI polls it every few seconds). An ended run's view (meta.json
// says how it ended) is made from meta.json, status.json and run_summary.jsonl alone, so it
// stands while none of the three changes; the runs root's own list of names stands while the
// root does not change. A running run's view depends on the clock and on processes, so it is
// never remembered.
//
// A change is told by a file's identity, size and times, taken before the read. Times have a
// coarse grain on some file systems (a few ms): a file written twice within one grain, the
// same size both times, would look unchanged. So a file changed less than RUN_VIEW_SETTLE_MS ago is not
// trusted to show its next change, and a view read from it is not remembered (as git does with
// its index): such a run is read again at the next listing.
import { type BigIntStats, lstatSync } from "node:fs";
import { dirname, join } from "node:path";
import { RUN_FILES } from "@runyard/schema";
import type { RunView } from "./read-run.js";
import { scanRunsRoot } from "./run-ids.js";

/** How long after its last change a file's stats are trusted to show the next change. */
export const RUN_VIEW_SETTLE_MS = 2000;

const VIEW_FILES = [RUN_FILES.meta, RUN_FILES.status, RUN_FILES.summary] as const;

/** A stamp of a file (or directory) that changes with it, and whether it has settled. */
function stampOf(path: string, settledBefore: bigint): { stamp: string; settled: boolean } {
  const stats: BigIntStats | undefined = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  if (stats === undefined) return { stamp: "-", settled: true };
  return {
    stamp: `${stats.dev}:${stats.ino}:${stats.mode}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`,
    settled: stats.mtimeNs < settledBefore && stats.ctimeNs < settledBefore,
  };
}

/** The stamps of `paths` together; `settled` only when every one has. */
function stampsOf(paths: readonly string[], now: number): { stamp: string; settled: boolean } {
  const settledBefore = BigInt(Math.floor(now - RUN_VIEW_SETTLE_MS)) * 1_000_000n;
  let stamp = "";
  let settled = true;
  for (const path of paths) {
    const one = stampOf(path, settledBefore);
    stamp += `${one.stamp}|`;
    settled &&= one.settled;
  }
  return { stamp, settled };
}

export interface RunViewCacheOptions {
  /** The clock, in epoch ms (tests). */
  now?: () => number;
}

/** A stamp taken before a run was read: hand it back to `remember` with the view. */
export interface RunStamp {
  readonly directory: string;
  readonly stamp: string;
  readonly settled: boolean;
}

export class RunViewCache {
  /** By run directory. */
  readonly #views = new Map<string, { stamp: string; view: RunView }>();
  #root: { root: string; stamp: string; runIds: string[] } | undefined;
  /** The run ids `retain` was last given: the same list needs no second pass. */
  #retained: readonly string[] | undefined;
  readonly #now: () => number;

  constructor(options: RunViewCacheOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** How many run views are remembered. */
  get size(): number {
    return this.#views.size;
  }

  /** The runs root's run ids, newest first: read again only when the root changed. */
  async runIds(root: string): Promise<string[]> {
    const before = stampsOf([root], this.#now());
    const known = this.#root;
    if (known !== undefined && known.root === root && known.stamp === before.stamp) {
      return known.runIds;
    }
    const { runIds } = await scanRunsRoot(root);
    this.#root = before.settled ? { root, stamp: before.stamp, runIds } : undefined;
    return runIds;
  }

  /** The run's stamp, taken before it is read. */
  stamp(directory: string): RunStamp {
    const { stamp, settled } = stampsOf(
      VIEW_FILES.map((name) => join(directory, name)),
      this.#now(),
    );
    return { directory, stamp, settled };
  }

  /** The view remembered for the run, if its files are as they were when it was read. */
  recall(stamp: RunStamp): RunView | undefined {
    const entry = this.#views.get(stamp.directory);
    if (entry === undefined) return undefined;
    if (entry.stamp === stamp.stamp) return entry.view;
    this.#views.delete(stamp.directory);
    return undefined;
  }

  /** Remembers a view read after `stamp` was taken, if the run has ended and its files settled. */
  remember(stamp: RunStamp, view: RunView): void {
    if (view.meta.finalStatus === null || !stamp.settled) {
      this.#views.delete(stamp.directory);
      return;
    }
    this.#views.set(stamp.directory, { stamp: stamp.stamp, view });
  }

  /** Forgets the runs of `root` that are not among `runIds` (removed since). */
  retain(root: string, runIds: readonly string[]): void {
    if (runIds === this.#retained) return;
    this.#retained = runIds;
    const present = new Set(runIds);
    for (const [directory, { view }] of this.#views) {
      if (dirname(directory) !== root || !present.has(view.runId)) this.#views.delete(directory);
    }
  }
}
