// GET and PUT /api/settings — the GUI's settings, in `$RUNYARD_HOME/gui.json` beside the user's
// config.yaml and trusted.json: 0600 in a 0700 directory, replaced atomically (the store's
// writeJsonAtomic), so a reader never sees half a file. A gui.json that cannot be used is
// never fatal: the defaults apply, and the response says what is wrong with which file.
import { lstat, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { check, DIRECTORY_MODE, formatProblem, readInputFile, runyardHome } from "@runyard/schema";
import { writeJsonAtomic } from "@runyard/store";
import type { Hono } from "hono";
import { ApiError } from "../api-error.js";
import {
  DEFAULT_GUI_SETTINGS,
  type GuiSettings,
  GuiSettingsBodySchema,
  type GuiSettingsResponse,
} from "../api-schemas.js";
import { type ApiContext, jsonBody, parse } from "./context.js";

export const GUI_SETTINGS_FILE = "gui.json";

/** The largest gui.json read: a few hundred bytes are all it needs. */
const MAX_SETTINGS_BYTES = 64 * 1024;

export function settingsPath(env: NodeJS.ProcessEnv): string {
  return join(runyardHome({ env }), GUI_SETTINGS_FILE);
}

/** The settings in gui.json; the defaults when it does not exist or cannot be used. */
export async function readSettings(env: NodeJS.ProcessEnv): Promise<GuiSettingsResponse> {
  const file = settingsPath(env);
  const fallback = (problems: string[]) => ({ settings: DEFAULT_GUI_SETTINGS, file, problems });
  const read = await readInputFile(file, MAX_SETTINGS_BYTES);
  if (!read.ok) {
    if (read.code === "ENOENT") return fallback([]);
    return fallback([`cannot read ${file}: ${read.reason}; using the default settings`]);
  }
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(read.bytes));
  } catch (error) {
    return fallback([
      `${file}: not JSON (${(error as Error).message}); using the default settings`,
    ]);
  }
  const result = check(GuiSettingsBodySchema, document);
  if (!result.ok) {
    return fallback([
      ...result.problems.map((problem) => formatProblem(file, problem)),
      `using the default settings instead of ${file}`,
    ]);
  }
  return { settings: result.value, file, problems: [] };
}

export async function writeSettings(
  env: NodeJS.ProcessEnv,
  settings: GuiSettings,
): Promise<GuiSettingsResponse> {
  const file = settingsPath(env);
  // $RUNYARD_HOME may not exist yet (runs kept elsewhere): Runyard's own, so 0700.
  await mkdir(dirname(file), { recursive: true, mode: DIRECTORY_MODE });
  // Any other file there is replaced (a link too, never followed); a directory cannot be.
  if ((await lstat(file).catch(() => undefined))?.isDirectory()) {
    throw new ApiError(409, "E_SETTINGS_FILE", `cannot save the settings: ${file} is a directory`, {
      hint: `remove that directory, then save again`,
    });
  }
  await writeJsonAtomic(file, settings);
  return { settings, file, problems: [] };
}

export function registerSettings(app: Hono, context: ApiContext): void {
  app.get("/api/settings", async (c) => c.json(await readSettings(context.env)));
  app.put("/api/settings", async (c) => {
    const settings = parse(GuiSettingsBodySchema, await jsonBody(c), "body");
    return c.json(await writeSettings(context.env, settings));
  });
}
