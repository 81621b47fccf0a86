// The GUI's settings (GET/PUT /api/settings, kept in $RUNYARD_HOME/gui.json): the cleanup
// policy the seed describes, which the user can change from the Cleanup dialog. Types are the
// server's (settings-schemas.ts), imported as types only.
import type { GuiSettings, GuiSettingsResponse } from "../src/settings-schemas.js";
import { api } from "./api.js";

export type { GuiSettings };

/** Until the server answers: what it would answer without a gui.json. */
export const DEFAULT_SETTINGS: GuiSettings = {
  cleanup: { removeSucceeded: true, removeCancelled: true },
};

export function loadSettings(): Promise<GuiSettingsResponse> {
  return api<GuiSettingsResponse>("settings");
}

export function saveSettings(settings: GuiSettings): Promise<GuiSettingsResponse> {
  return api<GuiSettingsResponse>("settings", { method: "PUT", body: settings });
}
