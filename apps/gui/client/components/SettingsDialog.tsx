// The cleanup policy, as the user sets it: what happens to a run the GUI watched to its end.
import { useEffect, useState } from "react";
import { describeError } from "../api.js";
import { type GuiSettings, saveSettings } from "../settings.js";
import { Dialog } from "./Dialog.js";

export function SettingsDialog({
  open,
  settings,
  file,
  onClose,
  onSaved,
}: {
  open: boolean;
  settings: GuiSettings;
  file: string | null;
  onClose(): void;
  onSaved(settings: GuiSettings): void;
}) {
  const [draft, setDraft] = useState(settings);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (open) setDraft(settings);
  }, [open, settings]);
  const save = async () => {
    try {
      const saved = await saveSettings(draft);
      onSaved(saved.settings);
      onClose();
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  return (
    <Dialog open={open} title="Cleanup policy" onClose={onClose} className="settings">
      <p className="dim">
        When a run you are watching here ends, the GUI removes its run directory unless this policy
        keeps it. Failed and crashed runs always stay, for you to read and resume.
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={draft.cleanup.removeSucceeded}
          onChange={(event) =>
            setDraft({ cleanup: { ...draft.cleanup, removeSucceeded: event.target.checked } })
          }
        />{" "}
        Remove runs that succeed
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={draft.cleanup.removeCancelled}
          onChange={(event) =>
            setDraft({ cleanup: { ...draft.cleanup, removeCancelled: event.target.checked } })
          }
        />{" "}
        Remove runs that are cancelled
      </label>
      {file ? <p className="dim mono">Saved in {file}</p> : null}
      {error ? <p className="error">{error}</p> : null}
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={() => void save()}>
          Save
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
