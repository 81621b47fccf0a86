// Many realistic runs, fast: one real run of a workflow (meta.json, status.json,
// run_summary.jsonl, captures, as the executor leaves them), then copies of it under fresh run
// ids written into its files. A real run costs a good part of a second; a listing's tests and
// measurements need thousands.
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";

/** A UUIDv7 run id for the time `ms`: ids sort as the runs were made. */
export function runIdAt(ms: number): string {
  const hex = ms.toString(16).padStart(12, "0") + randomBytes(10).toString("hex");
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Fills `runsRoot` with `count` copies of one real run of `workflowFile`, one second apart
 * and ending now; returns their ids, newest first.
 */
export async function makeRuns(options: {
  runsRoot: string;
  workflowFile: string;
  count: number;
}): Promise<string[]> {
  const template = `${options.runsRoot}.template`;
  const made = await runWorkflow({ workflowFile: options.workflowFile, runsRoot: template });
  const files: { name: string; text: string | null }[] = [];
  for (const name of readdirSync(made.runDirectory)) {
    const path = join(made.runDirectory, name);
    files.push({ name, text: statSync(path).isDirectory() ? null : readFileSync(path, "latin1") });
  }
  mkdirSync(options.runsRoot, { recursive: true });
  const start = Date.now() - options.count * 1000;
  const ids: string[] = [];
  for (let index = 0; index < options.count; index += 1) {
    const runId = runIdAt(start + index * 1000);
    const directory = join(options.runsRoot, runId);
    mkdirSync(directory);
    for (const file of files) {
      if (file.text === null) mkdirSync(join(directory, file.name));
      else {
        const text = file.text.replaceAll(made.runId, runId);
        writeFileSync(join(directory, file.name), text, "latin1");
      }
    }
    ids.push(runId);
  }
  rmSync(template, { recursive: true, force: true });
  return ids.reverse();
}
