// The GUI's settings (GET/PUT /api/settings, kept in $RUNYARD_HOME/gui.json): the cleanup
// policy the seed describes, which the user can change from the Settings dialog.
import { api } from "./api.js";

export interface GuiSettings {
  cleanup: { removeSucceeded: boolean; removeCancelled: boolean };
}

export const DEFAULT_SETTINGS: GuiSettings = {
  cleanup: { removeSucceeded: true, removeCancelled: true },
};

export interface SettingsResponse {
  settings: GuiSettings;
  file: string;
  problems: string[];
}

export function loadSettings(): Promise<SettingsResponse> {
  return api<SettingsResponse>("settings");
}

export function saveSettings(settings: GuiSettings): Promise<SettingsResponse> {
  return api<SettingsResponse>("settings", { method: "PUT", body: settings });
}
