// GET /api/runs/:id — one run as a page needs it: the list's row, meta.json, status.json, how
// it ended, and the files a page offers (captures, artifacts). Read with the store's read side,
// as `runyard show` reads it.
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { artifactNameProblem } from "@runyard/schema";
import { scanCaptures } from "@runyard/store";
import type { Hono } from "hono";
import type { RunDetail } from "../api-schemas.js";
import { toRow } from "../runs-api.js";
import { type ApiContext, findRun } from "./context.js";

/** The run's published artifacts: regular files with a valid name; links and others skipped. */
async function listArtifacts(directory: string): Promise<RunDetail["artifacts"]> {
  // artifacts/ swapped for a link to elsewhere lists nothing (its files would be refused).
  const itself = await lstat(directory).catch(() => undefined);
  if (!itself?.isDirectory()) return [];
  const names = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  const artifacts: RunDetail["artifacts"] = [];
  for (const name of names.sort()) {
    if (artifactNameProblem(name) !== undefined) continue;
    const stats = await lstat(join(directory, name)).catch(() => undefined);
    // A second name of a file elsewhere is not the executor's (openRunFile refuses it too).
    if (stats?.isFile() && stats.nlink === 1) artifacts.push({ name, size: stats.size });
  }
  return artifacts;
}

export function registerRunDetail(app: Hono, context: ApiContext): void {
  app.get("/api/runs/:id", async (c) => {
    const view = await findRun(context, c.req.param("id"));
    const scan = await scanCaptures(view.directory);
    const detail: RunDetail = {
      run: toRow(view, context.host),
      directory: view.directory,
      meta: view.meta,
      status: view.status,
      heartbeatAt: view.heartbeatAt,
      summaryEnd: view.summaryEnd === null ? null : { ...view.summaryEnd },
      captures: scan.captures.map(({ seq, stepId, stream, name, size }) => ({
        seq,
        stepId,
        stream,
        name,
        size,
      })),
      refusedCaptures: scan.refused.map((refused) => ({
        name: refused.name,
        reason: refused.error.message,
      })),
      artifacts: await listArtifacts(view.paths.artifacts),
    };
    return c.json(detail);
  });
}
