// What every API route needs: the runs root, this host's name, the environment, and a few
// helpers that turn a request's parts into checked values or an ApiError.
import { type RunView, readRun, resolveRunReference } from "@runyard/store";
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError } from "../api-error.js";

export interface ApiContext {
  runsRoot: string;
  /** This host's short name, as meta.json's startedOn says it. */
  host: string;
  env: NodeJS.ProcessEnv;
  /**
   * The directory of the `runyard` launcher steps call (`runyard log`), put first on their
   * PATH (launch.json's binDirectory); the CLI passes its own.
   */
  binDirectory?: string | undefined;
  /** Aborted when the server closes: live channels end, runs do not. */
  closing: AbortSignal;
}

/** The run a path names: its id, a unique prefix or suffix of it, or `latest`. */
export async function findRun(context: ApiContext, reference: string): Promise<RunView> {
  const { directory } = await resolveRunReference(context.runsRoot, reference);
  return readRun(directory, { readEnd: true });
}

/** Parses a request part with a schema; a mismatch is a 400 naming the field. */
export function parse<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` ${issue.path.join(".")}` : "";
  throw new ApiError(400, "E_BAD_REQUEST", `bad ${what}${where}: ${issue?.message ?? "invalid"}`);
}

/** The request's JSON body (an empty body is `{}`), or a 400. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, "E_BAD_REQUEST", "the request body is not JSON");
  }
}
