// Runs one workload: every candidate once to warm up (file cache, lazy installs), then
// `rounds` rounds in which each candidate runs once, in an order rotated every round so that
// changes in machine load hit them alike. Each candidate's samples are summarised (median,
// min, max) and its medians divided by its floor's from the same run.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BenchInterrupted, measure } from "./measure.js";
import { ratio, roundOrder, summarize } from "./stats.js";

const METRICS = ["wallMs", "cpuMs", "peakRssKb"];

function timedRun(candidate, context) {
  candidate.before?.();
  return measure(candidate.command, {
    cwd: candidate.cwd,
    env: { ...context.env, ...candidate.env },
  });
}

export function runWorkload(workload, context, { rounds, warmUp, log }) {
  const directory = mkdtempSync(join(context.root, `${workload.name}-`));
  try {
    const candidates = workload.setup(context, directory);
    for (const candidate of candidates) candidate.cwd ??= directory;
    const samples = new Map(candidates.map((candidate) => [candidate.name, []]));
    const failures = new Map();
    const attempt = (candidate) => {
      if (failures.has(candidate.name)) return;
      try {
        samples.get(candidate.name).push(timedRun(candidate, context));
      } catch (error) {
        if (error instanceof BenchInterrupted) throw error;
        failures.set(candidate.name, error.message);
        log(`  ${candidate.name} failed: ${error.message}`);
      }
    };
    for (let round = 0; round < warmUp; round += 1) candidates.forEach(attempt);
    for (const candidate of candidates) samples.get(candidate.name).length = 0;
    for (let round = 0; round < rounds; round += 1) {
      for (const name of roundOrder(
        candidates.map((candidate) => candidate.name),
        round,
      )) {
        attempt(candidates.find((candidate) => candidate.name === name));
      }
      log(`  round ${round + 1}/${rounds} done`);
    }
    const floor = candidates.find((candidate) => candidate.floor);
    const results = {};
    for (const candidate of candidates) {
      if (failures.has(candidate.name)) {
        results[candidate.name] = {
          floor: Boolean(candidate.floor),
          failed: failures.get(candidate.name),
        };
        continue;
      }
      const list = samples.get(candidate.name);
      const summary = {
        floor: Boolean(candidate.floor),
        command: candidate.command.join(" "),
        samples: list.length,
      };
      for (const metric of METRICS)
        summary[metric] = summarize(list.map((sample) => sample[metric]));
      summary.nodeProcesses = Math.max(...list.map((sample) => sample.nodeProcesses));
      summary.largestProcessRssKb = summarize(list.map((sample) => sample.largestProcessRssKb));
      results[candidate.name] = summary;
    }
    const floorResult = floor && results[floor.name];
    for (const summary of Object.values(results)) {
      if (summary.failed || !floorResult || floorResult.failed) continue;
      summary.wallRatio = ratio(summary.wallMs.median, floorResult.wallMs.median);
      summary.cpuRatio = ratio(summary.cpuMs.median, floorResult.cpuMs.median);
    }
    return { candidates: results, floor: floor?.name };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
