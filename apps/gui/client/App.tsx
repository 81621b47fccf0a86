// The GUI's frame: a tab bar (Runs, one tab per open run, Open workflow), the reconnect
// dialog at start and behind the link icon, the cleanup policy, the theme.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { RunsResponse } from "../src/api-schemas.js";
import { ApiFailure, api, describeError, setToken, takeToken } from "./api.js";
import { OpenWorkflow } from "./components/OpenWorkflow.js";
import { ReconnectDialog, reconnectCandidates } from "./components/ReconnectDialog.js";
import { RunsView } from "./components/RunsView.js";
import { RunView } from "./components/RunView.js";
import { SettingsDialog } from "./components/SettingsDialog.js";
import { DEFAULT_SETTINGS, type GuiSettings, loadSettings } from "./settings.js";

const POLL_MS = 3000;
type Tab = "runs" | "open" | string;

function useTheme(): ["light" | "dark" | "auto", () => void] {
  const [theme, setTheme] = useState<"light" | "dark" | "auto">(
    () => (localStorage.getItem("runyard-theme") as "light" | "dark" | null) ?? "auto",
  );
  useEffect(() => {
    if (theme === "auto") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    localStorage.setItem("runyard-theme", theme);
  }, [theme]);
  const next = () =>
    setTheme((value) => (value === "auto" ? "dark" : value === "dark" ? "light" : "auto"));
  return [theme, next];
}

export function App() {
  const token = useMemo(() => {
    const value = takeToken();
    setToken(value);
    return value;
  }, []);
  const [runs, setRuns] = useState<RunsResponse | null>(null);
  const [runsError, setRunsError] = useState<string | null>(null);
  const [tabs, setTabs] = useState<string[]>([]);
  const [active, setActive] = useState<Tab>("runs");
  const [dialog, setDialog] = useState<"reconnect" | "settings" | null>(null);
  const [settings, setSettings] = useState<GuiSettings>(DEFAULT_SETTINGS);
  const [settingsFile, setSettingsFile] = useState<string | null>(null);
  const [theme, nextTheme] = useTheme();
  const askedAtStart = useRef(false);
  const names = useRef(new Map<string, string>());

  const refresh = useCallback(async () => {
    try {
      if (!token) throw new Error("no access token: open the URL that runyard gui printed");
      const data = await api<RunsResponse>("runs");
      setRuns(data);
      setRunsError(null);
      document.body.dataset.loaded = "true";
      delete document.body.dataset.error;
    } catch (error) {
      const message =
        error instanceof ApiFailure && error.code === "E_TOKEN"
          ? "the access token was refused: open the URL that runyard gui printed"
          : describeError(error);
      setRunsError(`cannot load runs: ${message}`);
      document.body.dataset.error = "true";
    }
  }, [token]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  useEffect(() => {
    if (!token) return;
    loadSettings()
      .then((response) => {
        setSettings(response.settings);
        setSettingsFile(response.file);
      })
      .catch(() => {});
  }, [token]);

  const candidates = useMemo(
    () => reconnectCandidates(runs?.runs ?? [], new Set(tabs)),
    [runs, tabs],
  );
  // At start, as HPCBox does: offer the runs left behind, once.
  useEffect(() => {
    if (runs && !askedAtStart.current) {
      askedAtStart.current = true;
      if (candidates.length > 0) setDialog("reconnect");
    }
  }, [runs, candidates]);

  const open = useCallback((runId: string) => {
    setTabs((before) => (before.includes(runId) ? before : [...before, runId]));
    setActive(runId);
  }, []);
  const close = (runId: string) => {
    setTabs((before) => before.filter((id) => id !== runId));
    setActive((current) => (current === runId ? "runs" : current));
  };

  // Keyboard: o opens a workflow, r shows the runs, l the reconnect dialog, 1–9 a run's tab.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (
        event.ctrlKey ||
        event.metaKey ||
        event.altKey ||
        target.closest("input, select, textarea, dialog")
      )
        return;
      if (event.key === "o") setActive("open");
      else if (event.key === "r") setActive("runs");
      else if (event.key === "l") setDialog("reconnect");
      else if (/^[1-9]$/.test(event.key)) {
        const runId = tabs[Number(event.key) - 1];
        if (runId) setActive(runId);
      } else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [tabs]);

  const rows = new Map((runs?.runs ?? []).map((run) => [run.runId, run]));
  // A tab keeps its run's name once the run has left the list (removed by the cleanup policy).
  for (const [runId, run] of rows) names.current.set(runId, run.workflowName);
  const tabList: { id: Tab; label: string; state?: string | undefined }[] = [
    { id: "runs", label: "Runs" },
    ...tabs.map((runId) => ({
      id: runId,
      label: names.current.get(runId) ?? runId.slice(0, 8),
      state: rows.get(runId)?.state,
    })),
    { id: "open", label: "Open workflow" },
  ];

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Runyard</span>
        <div className="tabs" role="tablist" aria-label="views">
          {tabList.map((tab, index) => (
            <button
              key={tab.id}
              type="button"
              role="tab"
              id={`tab-${tab.id}`}
              aria-selected={active === tab.id}
              tabIndex={active === tab.id ? 0 : -1}
              className={`tab${active === tab.id ? " active" : ""}`}
              data-tab={tab.id}
              title={tab.label}
              onClick={() => setActive(tab.id)}
              onKeyDown={(event) => {
                const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
                if (!step) return;
                const next = tabList[(index + step + tabList.length) % tabList.length];
                if (next) {
                  setActive(next.id);
                  document.getElementById(`tab-${next.id}`)?.focus();
                }
              }}
            >
              {tab.state ? <span className={`dot ${tab.state}`} /> : null}
              <span className="tab-label">{tab.label}</span>
            </button>
          ))}
        </div>
        <div className="topbar-actions">
          <button
            type="button"
            className="icon"
            id="reconnect-link"
            title={`${candidates.length} run${candidates.length === 1 ? "" : "s"} available to reconnect`}
            aria-label={`reconnect: ${candidates.length} run${candidates.length === 1 ? "" : "s"} available`}
            onClick={() => setDialog("reconnect")}
          >
            <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
              <path d="M10 14a5 5 0 0 0 7 0l3-3a5 5 0 0 0-7-7l-1 1M14 10a5 5 0 0 0-7 0l-3 3a5 5 0 0 0 7 7l1-1" />
            </svg>
            {candidates.length > 0 ? <span className="count">{candidates.length}</span> : null}
          </button>
          <button
            type="button"
            className="icon"
            onClick={() => setDialog("settings")}
            title="Cleanup policy"
          >
            Cleanup
          </button>
          <button
            type="button"
            className="icon"
            onClick={nextTheme}
            title="Theme: auto, dark, light"
            data-theme-choice={theme}
          >
            {theme === "auto" ? "◐ auto" : theme === "dark" ? "● dark" : "○ light"}
          </button>
        </div>
      </header>
      <main>
        <div hidden={active !== "runs"} role="tabpanel" aria-labelledby="tab-runs">
          <RunsView data={runs} error={runsError} onOpen={open} onChanged={() => void refresh()} />
        </div>
        <div hidden={active !== "open"} role="tabpanel" aria-labelledby="tab-open">
          <OpenWorkflow
            suggestions={[]}
            onStarted={(runId) => {
              void refresh();
              open(runId);
            }}
          />
        </div>
        {tabs.map((runId) => (
          <RunView
            key={runId}
            runId={runId}
            row={rows.get(runId)}
            active={active === runId}
            settings={settings}
            onClose={() => close(runId)}
            onChanged={() => void refresh()}
          />
        ))}
      </main>
      <ReconnectDialog
        open={dialog === "reconnect"}
        runs={candidates}
        onReconnect={(runIds) => {
          for (const runId of runIds) open(runId);
          setDialog(null);
        }}
        onSkip={() => setDialog(null)}
      />
      <SettingsDialog
        open={dialog === "settings"}
        settings={settings}
        file={settingsFile}
        onClose={() => setDialog(null)}
        onSaved={setSettings}
      />
    </div>
  );
}
