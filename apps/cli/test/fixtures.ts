// Run directories for tests that need more of them, or odder ones, than running workflows
// gives: copies of a real run under new ids, with files changed as a test needs.
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "./cli.js";

/** A run id that sorts by `index` (UUIDv7-shaped, from a fixed time). */
export function runIdFor(index: number): string {
  const hex = index.toString(16).padStart(12, "0");
  return `01a20000-${hex.slice(0, 4)}-7000-8000-${hex}`;
}

/** Runs examples/hello.yaml once under `runsDir` and returns its run directory. */
export async function realRun(runsDir: string, workflow = "examples/hello.yaml"): Promise<string> {
  const result = await cli(["run", workflow, "-q"], { runsDir });
  if (result.code !== 0 && result.code !== 1) throw new Error(`run failed: ${result.stderr}`);
  const newest = readdirSync(runsDir).sort().at(-1);
  if (newest === undefined) throw new Error("no run directory");
  return join(runsDir, newest);
}

/**
 * Copies a run directory to `runsDir/<runId>`, with meta.json's runId (and `meta`) changed, and
 * the run id in its timeline and status.json with it.
 */
export function copyRun(
  source: string,
  runsDir: string,
  runId: string,
  meta: Record<string, unknown> = {},
): string {
  const directory = join(runsDir, runId);
  cpSync(source, directory, { recursive: true });
  const original = JSON.parse(readFileSync(join(source, "meta.json"), "utf8"));
  writeFileSync(join(directory, "meta.json"), JSON.stringify({ ...original, runId, ...meta }));
  // The timeline's events name their run too: a copy's must name the copy (or it is damaged).
  for (const file of ["run_summary.jsonl", "status.json"]) {
    const text = readFileSync(join(directory, file), "utf8");
    writeFileSync(join(directory, file), text.replaceAll(original.runId, runId));
  }
  return directory;
}
