// What the workloads run: workflow files, Makefiles and Snakefiles generated into the bench's
// temporary directory, and runs roots full of copies of one real run for `runyard ps`.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const quote = (script) => `'${script.replaceAll("'", "''")}'`;

/** A Runyard workflow: `count` steps running `script`, each needing the one before if chained. */
export function workflowYaml(name, count, script, { chain = false } = {}) {
  const lines = [`name: ${name}`, "steps:"];
  for (let index = 0; index < count; index += 1) {
    lines.push(`  s${index}:`, `    run: ${quote(script)}`);
    if (chain && index > 0) lines.push(`    needs: s${index - 1}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The same graph for make: phony targets, recipes run by bash like every other candidate's. */
export function makefile(count, script, { chain = false } = {}) {
  const names = Array.from({ length: count }, (_, index) => `s${index}`);
  const lines = ["SHELL := /bin/bash", `.PHONY: all ${names.join(" ")}`];
  lines.push(chain ? `all: s${count - 1}` : `all: ${names.join(" ")}`);
  names.forEach((name, index) => {
    lines.push(`${name}:${chain && index > 0 ? ` s${index - 1}` : ""}`, `\t@${script}`);
  });
  return `${lines.join("\n")}\n`;
}

/** The same graph for Snakemake: one job per output file under done/, touched when it ends. */
export function snakefile(count, script, { chain = false, redirect = false } = {}) {
  const shell = JSON.stringify(redirect ? `${script} > {output}` : script);
  const output = redirect ? '"done/{i}"' : 'touch("done/{i}")';
  const input = chain
    ? '    input: lambda w: [] if int(w.i) == 0 else [f"done/{int(w.i) - 1}"]\n'
    : "";
  const all = chain ? `"done/${count - 1}"` : `expand("done/{i}", i=range(${count}))`;
  return `wildcard_constraints:\n    i="[0-9]+"\n\nrule all:\n    input: ${all}\n\nrule step:\n${input}    output: ${output}\n    shell: ${shell}\n`;
}

/** A run id as Runyard makes them (UUIDv7), for time `ms`: they sort by creation time. */
export function runIdAt(ms) {
  const hex = ms.toString(16).padStart(12, "0") + randomBytes(10).toString("hex");
  const variant = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Fills `runsRoot` with `count` finished runs: one real run of `workflowFile` made by the CLI,
 * then copies of it with fresh run ids written into its files (a real run costs ~0.5 s; ten
 * thousand of them would take longer than the whole bench).
 */
export function makeRuns({ runsRoot, count, workflowFile, cli, env }) {
  const template = join(runsRoot, "..", "template-runs");
  rmSync(template, { recursive: true, force: true });
  const made = spawnSync(process.execPath, [cli, "run", workflowFile, "-q"], {
    env: { ...env, RUNYARD_RUNS_DIR: template },
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (made.status !== 0) throw new Error(`runyard run for the template: ${made.stderr}`);
  const [templateId] = readdirSync(template);
  const directory = join(template, templateId);
  const files = [];
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) files.push({ name, directory: true });
    else files.push({ name, text: readFileSync(path, "latin1") });
  }
  mkdirSync(runsRoot, { recursive: true });
  const start = Date.now() - count * 1000;
  for (let index = 0; index < count; index += 1) {
    const runId = runIdAt(start + index * 1000);
    const run = join(runsRoot, runId);
    mkdirSync(run);
    for (const file of files) {
      if (file.directory) mkdirSync(join(run, file.name));
      else writeFileSync(join(run, file.name), file.text.replaceAll(templateId, runId), "latin1");
    }
  }
  rmSync(template, { recursive: true, force: true });
}
