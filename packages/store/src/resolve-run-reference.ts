// Resolves what a user types for a run — a full id, a unique prefix of one (as git does with
// commit hashes), a unique suffix, or `latest` — to a run directory under the runs root.
// Suffixes matter because run ids are UUIDv7: their first 12 hex digits are the start time,
// so runs started close together share long prefixes, while the last digits are random.
// Only real directories are runs (see run-ids.ts): a symlink named like a run is refused.
import { join, resolve } from "node:path";
import { RunyardError } from "@runyard/schema";
import { type RefusedRunEntry, scanRunsRoot } from "./run-ids.js";

export type RunReferenceErrorCode =
  | "E_RUN_NOT_FOUND"
  | "E_RUN_REFERENCE_INVALID"
  | "E_RUN_REFERENCE_AMBIGUOUS";

/** A run reference that names no run, is not a reference at all, or names several runs. */
export class RunReferenceError extends RunyardError {
  readonly reference: string;
  /** For E_RUN_REFERENCE_AMBIGUOUS: every run id it matches, newest first. */
  readonly matches: readonly string[];

  constructor(
    code: RunReferenceErrorCode,
    reference: string,
    message: string,
    options: { hint?: string; matches?: readonly string[] } = {},
  ) {
    super(code, message, options.hint === undefined ? undefined : { hint: options.hint });
    this.reference = reference;
    this.matches = options.matches ?? [];
  }
}

export interface ResolvedRun {
  runId: string;
  /** Absolute path of the run directory. */
  directory: string;
}

const REFERENCE_PATTERN = /^[0-9a-f-]{4,36}$/;

function matching(ids: readonly string[], reference: string): string[] {
  return ids.filter((id) => id.startsWith(reference) || id.endsWith(reference));
}

function describeRefused(root: string, entry: RefusedRunEntry): string {
  const path = join(root, entry.name);
  if (entry.kind === "symbolic link")
    return `${path} is a symbolic link, which is never read as a run`;
  return `${path} is ${entry.kind === "file" ? "a file" : "not a directory"}, not a run directory`;
}

/**
 * Resolves `reference` ("latest" or "last", a run id, or a unique prefix or suffix of one, at
 * least 4 characters) to a run directory under `runsRoot`. Throws RunReferenceError:
 * E_RUN_NOT_FOUND, E_RUN_REFERENCE_INVALID (not shaped like an id) or
 * E_RUN_REFERENCE_AMBIGUOUS (several runs match; `matches` lists them).
 */
export async function resolveRunReference(
  runsRoot: string,
  reference: string,
): Promise<ResolvedRun> {
  const root = resolve(runsRoot);
  const { runIds, refused } = await scanRunsRoot(root);
  if (reference === "latest" || reference === "last") {
    const newest = runIds[0];
    if (newest === undefined) {
      throw new RunReferenceError("E_RUN_NOT_FOUND", reference, `no runs in ${root}`, {
        hint: "start one with: runyard run <workflow.yaml>",
      });
    }
    return { runId: newest, directory: join(root, newest) };
  }
  const wanted = reference.toLowerCase();
  if (!REFERENCE_PATTERN.test(wanted)) {
    throw new RunReferenceError(
      "E_RUN_REFERENCE_INVALID",
      reference,
      `not a run id: "${reference}"`,
      {
        hint: "give a run id, a unique prefix or suffix of it (4 characters at least), or 'latest'",
      },
    );
  }
  const matches = matching(runIds, wanted);
  const [only] = matches;
  if (matches.length === 1 && only !== undefined)
    return { runId: only, directory: join(root, only) };
  if (matches.length > 1) {
    throw new RunReferenceError(
      "E_RUN_REFERENCE_AMBIGUOUS",
      reference,
      `"${reference}" matches several runs: ${matches.slice(0, 5).join(", ")}${matches.length > 5 ? ", …" : ""}`,
      {
        hint: "type more characters of the id (its last characters are the random part)",
        matches,
      },
    );
  }
  const impostor = refused.find((entry) => matching([entry.name], wanted).length > 0);
  throw new RunReferenceError(
    "E_RUN_NOT_FOUND",
    reference,
    `no run ${reference} in ${root}${impostor ? `: ${describeRefused(root, impostor)}` : ""}`,
    { hint: "list runs with: runyard ps" },
  );
}

/** Suffix lengths shortRunIds tries: the random tail of a UUIDv7, then its last group, then all. */
const SHORT_ID_LENGTHS = [8, 12, 36] as const;

/**
 * A short form of each run id for people to read and type: its last 8 characters (random in a
 * UUIDv7, where the first are the start time and shared by runs started together), longer only
 * where those would match another run of `runIds` as resolveRunReference matches (a prefix or a
 * suffix). Every short id it gives resolves back to its run alone among `runIds`.
 */
export function shortRunIds(runIds: readonly string[]): (runId: string) => string {
  const counts = new Map<
    number,
    { suffixes: Map<string, number>; prefixes: Map<string, number> }
  >();
  const countsOf = (length: number) => {
    let found = counts.get(length);
    if (found === undefined) {
      const tally = (map: Map<string, number>, key: string) =>
        map.set(key, (map.get(key) ?? 0) + 1);
      found = { suffixes: new Map(), prefixes: new Map() };
      for (const id of runIds) {
        tally(found.suffixes, id.slice(-length));
        tally(found.prefixes, id.slice(0, length));
      }
      counts.set(length, found);
    }
    return found;
  };
  return (runId) => {
    for (const length of SHORT_ID_LENGTHS) {
      const short = runId.slice(-length);
      const { suffixes, prefixes } = countsOf(length);
      // Only this run ends so, and no other run begins so.
      const ownPrefix = runId.startsWith(short) ? 1 : 0;
      if (suffixes.get(short) === 1 && (prefixes.get(short) ?? 0) === ownPrefix) return short;
    }
    return runId;
  };
}
