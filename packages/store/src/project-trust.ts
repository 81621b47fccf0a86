// A project's `.runyard.yaml` and the user's trust in it. A workflow's project config is the
// nearest `.runyard.yaml` in its directory or a directory above, up to the root of the git
// repository it is in (the first directory holding `.git`); outside a repository, only the
// workflow's own directory counts — so a file someone left in /tmp or a parent directory never
// applies to a workflow that is not theirs. Its hooks run only once the user has trusted it:
// `trusted.json` in the user's Runyard home records the SHA-256 of the bytes the user trusted,
// and a file whose bytes differ (edited, or replaced by a `git pull`) is untrusted again.
import { createHash } from "node:crypto";
import { lstat, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import {
  check,
  DIRECTORY_MODE,
  formatProblem,
  now,
  PROJECT_CONFIG_FILE,
  type ProjectConfig,
  parseProjectConfig,
  RunyardError,
  readInputFile,
  type TrustedProjects,
  TrustedProjectsSchema,
  trustedProjectsPath,
  type UserConfigLocation,
  ValidationError,
} from "@runyard/schema";
import { writeJsonAtomic } from "./atomic-write.js";

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The project config that applies to workflows in `directory`: the nearest `.runyard.yaml` in
 * it or above it, up to its git repository's root; outside a repository, only in `directory`
 * itself. Undefined when there is none.
 */
export async function findProjectConfig(directory: string): Promise<string | undefined> {
  const searched: string[] = [];
  let current = resolve(directory);
  for (;;) {
    searched.push(current);
    if (await exists(join(current, ".git"))) break;
    const parent = dirname(current);
    if (parent === current) {
      // No repository above: the workflow's own directory is the project.
      searched.length = 1;
      break;
    }
    current = parent;
  }
  for (const candidate of searched) {
    const file = join(candidate, PROJECT_CONFIG_FILE);
    if (await exists(file)) return file;
  }
  return undefined;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const EMPTY: TrustedProjects = { schemaVersion: 1, projects: {} };

/** Reads trusted.json; none is an empty list. A file that is broken is an error naming it. */
export async function readTrustedProjects(
  location: UserConfigLocation = {},
): Promise<{ path: string; trusted: TrustedProjects }> {
  const path = trustedProjectsPath(location);
  const read = await readInputFile(path);
  if (!read.ok) {
    if (read.code === "ENOENT") return { path, trusted: structuredClone(EMPTY) };
    throw new RunyardError("E_TRUST_READ", `cannot read ${path}: ${read.reason}`, {
      cause: read.cause,
      hint: `fix its permissions, or remove it (every project config is then untrusted)`,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder().decode(read.bytes));
  } catch {
    document = undefined;
  }
  const result =
    document === undefined
      ? ({ ok: false, problems: [{ path: "", message: "not JSON" }] } as const)
      : check(TrustedProjectsSchema, document);
  if (!result.ok) {
    const lines = result.problems.map((problem) => formatProblem(path, problem));
    throw new RunyardError("E_TRUST_INVALID", lines.join("\n"), {
      hint: `remove ${path} (every project config is then untrusted) and trust them again`,
    });
  }
  return { path, trusted: result.value };
}

async function writeTrustedProjects(path: string, trusted: TrustedProjects): Promise<void> {
  // The home may not exist yet (no config, no runs there): Runyard's own, so 0700.
  await mkdir(dirname(path), { recursive: true, mode: DIRECTORY_MODE });
  await writeJsonAtomic(path, trusted);
}

/** A project config read, its bytes checked against the user's trust. */
export type ProjectConfigState =
  | { file: string; state: "trusted"; config: ProjectConfig }
  /** Never trusted, or trusted once with other bytes (`changed`), or unreadable. */
  | { file: string; state: "untrusted" | "changed" | "unreadable"; reason?: string };

/**
 * Reads the project config `file` and says whether the user trusts these very bytes. Only a
 * trusted file is parsed; a trusted file that is not valid (trusted by an older Runyard) is a
 * ValidationError (E_CONFIG_INVALID) naming its line and field.
 */
export async function checkProjectConfig(
  file: string,
  location: UserConfigLocation = {},
): Promise<ProjectConfigState> {
  const read = await readInputFile(file);
  if (!read.ok) return { file, state: "unreadable", reason: read.reason };
  const { trusted } = await readTrustedProjects(location);
  const entry = Object.hasOwn(trusted.projects, file) ? trusted.projects[file] : undefined;
  if (entry === undefined) return { file, state: "untrusted" };
  if (entry.sha256 !== sha256(read.bytes)) return { file, state: "changed" };
  const parsed = parseProjectConfig(read.bytes);
  if (!parsed.ok) throw new ValidationError(file, parsed.problems, "E_CONFIG_INVALID");
  return { file, state: "trusted", config: parsed.config };
}

export interface TrustResult {
  file: string;
  sha256: string;
  /** What the file adds, as validated. */
  config: ProjectConfig;
  /** Whether these bytes were trusted before, other bytes of the file were, or none. */
  before: "same" | "changed" | "none";
  /** The trusted.json written. */
  trustFile: string;
}

/**
 * Trusts the project config `file` as it is now: its SHA-256 goes into trusted.json. A file
 * that is not valid is refused (ValidationError, E_CONFIG_INVALID), so what is trusted runs.
 */
export async function trustProjectConfig(
  file: string,
  location: UserConfigLocation = {},
): Promise<TrustResult> {
  const path = resolve(file);
  const read = await readInputFile(path);
  if (!read.ok) {
    throw new RunyardError("E_CONFIG_READ", `cannot read ${path}: ${read.reason}`, {
      cause: read.cause,
    });
  }
  const parsed = parseProjectConfig(read.bytes);
  if (!parsed.ok) throw new ValidationError(path, parsed.problems, "E_CONFIG_INVALID");
  const digest = sha256(read.bytes);
  const { path: trustFile, trusted } = await readTrustedProjects(location);
  const previous = Object.hasOwn(trusted.projects, path) ? trusted.projects[path] : undefined;
  const before = previous === undefined ? "none" : previous.sha256 === digest ? "same" : "changed";
  trusted.projects[path] = { sha256: digest, trustedAt: now() };
  await writeTrustedProjects(trustFile, trusted);
  return { file: path, sha256: digest, config: parsed.config, before, trustFile };
}

/** Takes the trust in `file` back; false when it was not trusted. The file need not exist. */
export async function untrustProjectConfig(
  file: string,
  location: UserConfigLocation = {},
): Promise<{ removed: boolean; trustFile: string }> {
  const path = resolve(file);
  const { path: trustFile, trusted } = await readTrustedProjects(location);
  if (!Object.hasOwn(trusted.projects, path)) return { removed: false, trustFile };
  delete trusted.projects[path];
  await writeTrustedProjects(trustFile, trusted);
  return { removed: true, trustFile };
}

/** Every trusted project config and how it stands now: same bytes, changed, or gone. */
export async function listTrustedProjects(
  location: UserConfigLocation = {},
): Promise<{ file: string; trustedAt: string; state: "trusted" | "changed" | "missing" }[]> {
  const { trusted } = await readTrustedProjects(location);
  const list = [];
  for (const [file, entry] of Object.entries(trusted.projects).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const read = await readInputFile(file);
    const state = !read.ok
      ? "missing"
      : sha256(read.bytes) === entry.sha256
        ? "trusted"
        : "changed";
    list.push({ file, trustedAt: entry.trustedAt, state } as const);
  }
  return list;
}
