// A run's files over HTTP: a byte range of a step's capture (never the whole file: a capture
// may be 100 MB), and an artifact to download. Both open the file as every reader of a run
// directory does (openRunFile): a link, a named pipe, a device or a file with another name
// elsewhere is refused, never followed, never waited on.
import { Readable } from "node:stream";
import { artifactNameProblem } from "@runyard/schema";
import { listCaptures, openRunFile } from "@runyard/store";
import type { Hono } from "hono";
import { ApiError } from "../api-error.js";
import { CaptureQuerySchema, CaptureRangeHeaders, DEFAULT_CAPTURE_RANGE } from "../api-schemas.js";
import { type ApiContext, findRun, parse } from "./context.js";

/** The artifact name a path's tail names, decoded once; anything but one plain name is refused. */
function artifactName(rawTail: string): string {
  let name: string;
  try {
    name = decodeURIComponent(rawTail);
  } catch {
    throw new ApiError(400, "E_BAD_REQUEST", "the artifact path is not valid percent-encoding");
  }
  const problem = artifactNameProblem(name);
  if (problem !== undefined) {
    throw new ApiError(
      400,
      "E_BAD_ARTIFACT_NAME",
      `not an artifact name: ${JSON.stringify(name)}: ${problem}`,
      {
        hint: "an artifact is one file directly under the run's artifacts/; list them with GET /api/runs/:id",
      },
    );
  }
  return name;
}

export function registerRunFiles(app: Hono, context: ApiContext): void {
  app.get("/api/runs/:id/steps/:step/captures", async (c) => {
    const query = parse(CaptureQuerySchema, c.req.query(), "query");
    const view = await findRun(context, c.req.param("id"));
    const stepId = c.req.param("step");
    const attempts = (
      await listCaptures(view.directory, { stepId, streams: [query.stream] })
    ).filter((capture) => capture.stepId === stepId);
    if (attempts.length === 0) {
      throw new ApiError(
        404,
        "E_NO_CAPTURE",
        `run ${view.runId} has no ${query.stream} capture for step "${stepId}"`,
        {
          hint: "a step that has not started has none; list the captures with GET /api/runs/:id",
        },
      );
    }
    const attempt = query.attempt ?? attempts.length;
    const capture = attempts[attempt - 1];
    if (capture === undefined) {
      throw new ApiError(
        404,
        "E_NO_CAPTURE",
        `step "${stepId}" has ${attempts.length} attempt(s), not ${attempt}`,
      );
    }
    const { handle, stats } = await openRunFile(capture.path);
    try {
      const size = stats.size;
      const offset =
        query.tail === undefined
          ? Math.min(query.offset ?? 0, size)
          : Math.max(0, size - query.tail);
      const wanted = query.tail ?? query.length ?? DEFAULT_CAPTURE_RANGE;
      const length = Math.min(wanted, size - offset);
      const buffer = Buffer.alloc(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      c.header(CaptureRangeHeaders.name, capture.name);
      c.header(CaptureRangeHeaders.seq, String(capture.seq));
      c.header(CaptureRangeHeaders.attempt, String(attempt));
      c.header(CaptureRangeHeaders.attempts, String(attempts.length));
      c.header(CaptureRangeHeaders.offset, String(offset));
      c.header(CaptureRangeHeaders.size, String(size));
      c.header("content-type", "application/octet-stream");
      return c.body(buffer.subarray(0, filled));
    } finally {
      await handle.close();
    }
  });

  app.get("/api/runs/:id/artifacts/*", async (c) => {
    const prefix = `/api/runs/${encodeURIComponent(c.req.param("id"))}/artifacts/`;
    const path = c.req.path;
    // Only one path segment: a raw `/` (a subdirectory, `..` that the URL parser left) is no
    // artifact name, and a `%2F` is refused by the name check once decoded.
    const tail = path.startsWith(prefix) ? path.slice(prefix.length) : "";
    if (tail === "" || tail.includes("/")) {
      throw new ApiError(
        400,
        "E_BAD_ARTIFACT_NAME",
        "an artifact path is one file name under artifacts/",
      );
    }
    const name = artifactName(tail);
    const view = await findRun(context, c.req.param("id"));
    const { handle, stats } = await openRunFile(`${view.paths.artifacts}/${name}`);
    const stream = handle.createReadStream({ start: 0, end: Math.max(0, stats.size - 1) });
    c.header("content-type", "application/octet-stream");
    c.header("content-length", String(stats.size));
    c.header("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
    c.header("content-security-policy", "sandbox; default-src 'none'");
    if (stats.size === 0) {
      await handle.close();
      return c.body(null);
    }
    return c.body(Readable.toWeb(stream) as ReadableStream<Uint8Array>);
  });
}
