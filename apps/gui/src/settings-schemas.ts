// `GET /api/settings` and `PUT /api/settings`: the GUI's own settings, kept in
// `$RUNYARD_HOME/gui.json` (see routes/settings.ts).
import { z } from "zod";

/**
 * What the page does with a run it was watching once the run ends: a success or a cancelled
 * run is removed unless the policy keeps it; a failed or crashed run always stays.
 */
export const CleanupPolicySchema = z.object({
  removeSucceeded: z.boolean(),
  removeCancelled: z.boolean(),
});

export const GuiSettingsSchema = z.object({ cleanup: CleanupPolicySchema });
export type GuiSettings = z.infer<typeof GuiSettingsSchema>;

export const DEFAULT_GUI_SETTINGS: GuiSettings = {
  cleanup: { removeSucceeded: true, removeCancelled: true },
};

/** `PUT /api/settings`, and gui.json: what is left out takes its default; nothing else is taken. */
export const GuiSettingsBodySchema = z
  .object({
    cleanup: z
      .object({
        removeSucceeded: z.boolean().default(DEFAULT_GUI_SETTINGS.cleanup.removeSucceeded),
        removeCancelled: z.boolean().default(DEFAULT_GUI_SETTINGS.cleanup.removeCancelled),
      })
      .strict()
      .default(DEFAULT_GUI_SETTINGS.cleanup),
  })
  .strict();
export type GuiSettingsBody = z.input<typeof GuiSettingsBodySchema>;

export const GuiSettingsResponseSchema = z.object({
  settings: GuiSettingsSchema,
  /** The file they are kept in: `$RUNYARD_HOME/gui.json`. */
  file: z.string(),
  /** Why gui.json was not used (unreadable, not JSON, a wrong field): the defaults are then. */
  problems: z.array(z.string()),
});
export type GuiSettingsResponse = z.infer<typeof GuiSettingsResponseSchema>;
