// One open run: its DAG, coloured live, and the selected step's panel; the run's actions;
// the cleanup policy for a run watched to its end.
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { z } from "zod";
import type { RemoveResponseSchema, RunDetail, RunRow } from "../../src/api-schemas.js";
import { ApiFailure, api, describeError, formatBytes, runPath } from "../api.js";
import { followLive } from "../live.js";
import { nodeViews, RunModel } from "../run-model.js";
import type { GuiSettings } from "../settings.js";
import { ArtifactLink } from "./ArtifactLink.js";
import { DagView } from "./DagView.js";
import { StepPanel } from "./StepPanel.js";

type Removed = z.infer<typeof RemoveResponseSchema>;

interface Props {
  runId: string;
  row: RunRow | undefined;
  active: boolean;
  settings: GuiSettings;
  onClose(): void;
  onChanged(): void;
}

/**
 * Removes a run that has just ended. Its executor records the end before it exits, and the
 * server will not remove a run whose executor is still alive (E_RUN_RUNNING): wait for the
 * exit, a few seconds at most. Null when the run is gone already: another page watching it
 * applied the same policy first.
 */
async function removeOnceExited(runId: string): Promise<Removed | null> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await api<Removed>(runPath(runId), { method: "DELETE" });
    } catch (error) {
      const code = error instanceof ApiFailure ? error.code : "";
      if (code === "E_RUN_NOT_FOUND") return null;
      // E_RUN_RUNNING: the executor has not exited yet. The others: another page is removing
      // the run this moment, and the files the server reads first are gone.
      const wait = ["E_RUN_RUNNING", "E_RUN_STATE_UNKNOWN", "E_RUN_FILE_MISSING", "E_RUN_META"];
      if (!wait.includes(code) || attempt >= 40) throw error;
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 250));
    }
  }
}

export function RunView({ runId, row, active, settings, onClose, onChanged }: Props) {
  const model = useMemo(() => new RunModel(runId), [runId]);
  useSyncExternalStore(model.subscribe, model.getVersion);
  const [selected, setSelected] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);
  const [removed, setRemoved] = useState<Removed | null>(null);
  const watched = useRef<boolean | null>(null);
  const rowState = useRef(row?.state);
  rowState.current = row?.state;

  // Stream output only for the step being read; the log view polls the rest of the way.
  const outputFor = selected && model.step(selected)?.status === "running" ? selected : null;
  useEffect(() => {
    if (removed) return;
    return followLive(
      runId,
      {
        lines: (lines) => model.apply(lines),
        state: (state) => {
          // Watched: it was still going when this tab connected. The server follows a run's
          // socket only while it runs here; a run on another host is read from its files.
          // (Not "no run-end in the first batch": an ended run's timeline of more than one
          // chunk arrives in several batches, and the policy then removed runs only viewed.)
          if (watched.current === null && state.kind === "live")
            watched.current = state.mode === "socket" || rowState.current === "running";
          model.setLive(state);
        },
        nextSeq: () => model.lastSeq + 1,
      },
      { output: outputFor ? [outputFor] : false },
    );
  }, [runId, model, generation, outputFor, removed]);

  const refreshDetail = async () => {
    try {
      setDetail(await api<RunDetail>(runPath(runId)));
    } catch {
      // The live channel says what is wrong with the run.
    }
  };
  // Re-read when the run ends or resumes.
  useEffect(() => {
    if (!removed) void refreshDetail();
  }, [runId, model.finalStatus, generation]);

  // The cleanup policy (settings): a run this tab watched that ends success or cancelled is
  // removed unless the policy keeps it; failed and crashed runs stay.
  const finalStatus = model.finalStatus;
  useEffect(() => {
    if (!watched.current || removed || finalStatus === null) return;
    const remove =
      (finalStatus === "success" && settings.cleanup.removeSucceeded) ||
      (finalStatus === "cancelled" && settings.cleanup.removeCancelled);
    if (!remove) return;
    watched.current = false;
    void removeOnceExited(runId)
      .then((result) => {
        setRemoved(result ?? { runId, state: finalStatus, workflowName: null, bytes: 0 });
        setNotice({
          text: `The run ended ${finalStatus} and was removed under the cleanup policy${result ? `, freeing ${formatBytes(result.bytes)}` : " (by another page that watched it)"}. What it showed stays here until you close the tab.`,
        });
        onChanged();
      })
      .catch((error) =>
        setNotice({ text: `cleanup policy: ${describeError(error)}`, error: true }),
      );
  }, [finalStatus, settings, runId, removed, onChanged]);

  const state = removed
    ? "removed"
    : (finalStatus ?? row?.state ?? (model.lastSeq > 0 ? "running" : "unknown"));
  const otherHost = row?.otherHost ?? false;
  const views = useMemo(() => (model.status ? nodeViews(model) : null), [model, model.version]);
  const selectedStep = selected ? model.step(selected) : undefined;
  const instances = useMemo(
    () =>
      selectedStep?.items !== undefined
        ? (model.status?.steps.filter((step) => step.loop === selectedStep.nodeId) ?? [])
        : [],
    [model, selectedStep, model.version],
  );

  const act = async (label: string, action: () => Promise<unknown>) => {
    try {
      setNotice({ text: `${label}…` });
      await action();
      setNotice({ text: `${label}: done` });
      onChanged();
    } catch (error) {
      setNotice({ text: `${label}: ${describeError(error)}`, error: true });
    }
  };

  const live = model.live;
  const liveText = removed
    ? "removed"
    : live.kind === "live"
      ? live.mode === "socket"
        ? "live"
        : otherHost
          ? `read from files (run on ${live.runHost})`
          : "read from files"
      : live.kind === "retrying"
        ? `reconnecting in ${Math.round(live.inMs / 1000)}s: ${live.reason}`
        : live.kind === "connecting"
          ? "connecting…"
          : live.kind === "stopped"
            ? live.reason
            : `ended ${live.finalStatus ?? ""}`;

  return (
    <section
      className="run-view"
      hidden={!active}
      data-run-id={runId}
      data-state={state}
      aria-label={`run ${runId}`}
    >
      <header className="run-header">
        <div>
          <h2>
            <span className={`badge ${state}`} data-testid="run-state">
              {state}
            </span>{" "}
            {model.workflowName || row?.workflowName || runId}
          </h2>
          <p className="dim mono">
            {runId} · {row?.startedOn ?? model.host}
            {otherHost ? <span className="mark other-host"> another host</span> : null}
            {row?.state === "crashed" && !finalStatus ? (
              <span className="mark crashed"> crashed</span>
            ) : null}
            {" · "}
            <span data-testid="live-state" data-live={live.kind}>
              {liveText}
            </span>
          </p>
        </div>
        <div className="actions">
          {state === "running" && !otherHost ? (
            <button
              type="button"
              onClick={() =>
                void act("cancel", () =>
                  api(runPath(runId, "/cancel"), { method: "POST", body: {} }),
                )
              }
            >
              Cancel run
            </button>
          ) : null}
          {["failed", "cancelled", "crashed"].includes(state) && !otherHost ? (
            <button
              type="button"
              onClick={() =>
                void act("resume", async () => {
                  await api(runPath(runId, "/resume"), { method: "POST", body: {} });
                  setGeneration((value) => value + 1);
                })
              }
            >
              Resume
            </button>
          ) : null}
          {!removed && state !== "running" ? (
            <button
              type="button"
              className="danger"
              onClick={() =>
                void act("remove", async () => {
                  const result = await api<Removed>(runPath(runId), { method: "DELETE" });
                  setRemoved(result);
                  setNotice({ text: `Removed: freed ${formatBytes(result.bytes)}.` });
                })
              }
            >
              Remove
            </button>
          ) : null}
          <button type="button" onClick={onClose} aria-label="close this run's tab">
            Close
          </button>
        </div>
      </header>
      {notice ? (
        <p className={notice.error ? "error" : "notice"} role="status">
          {notice.text}
        </p>
      ) : null}
      <div className="run-body">
        <div className="dag-pane">
          {model.graph ? (
            <DagView
              steps={model.graph}
              views={views}
              selected={selectedStep?.loop ?? selected}
              onSelect={setSelected}
              label={`steps of ${model.workflowName}`}
            />
          ) : (
            <p className="dim pad">
              {live.kind === "stopped" ? live.reason : "Waiting for the run to start…"}
            </p>
          )}
        </div>
        <aside className="side-pane">
          {selectedStep ? (
            <StepPanel
              model={model}
              step={selectedStep}
              instances={instances}
              notes={model.notes}
              runEnded={finalStatus !== null}
              onSelect={setSelected}
            />
          ) : (
            <RunSummary model={model} detail={detail} />
          )}
        </aside>
      </div>
    </section>
  );
}

function RunSummary({ model, detail }: { model: RunModel; detail: RunDetail | null }) {
  const counts = new Map<string, number>();
  for (const step of model.status?.steps ?? [])
    if (step.items === undefined) counts.set(step.status, (counts.get(step.status) ?? 0) + 1);
  return (
    <section className="run-summary">
      <h3>Run</h3>
      <p className="dim">Select a step to see its log, attempts and artifacts.</p>
      <ul className="counts">
        {[...counts].map(([status, count]) => (
          <li key={status}>
            <span className={`dot ${status}`} /> {count} {status}
          </li>
        ))}
      </ul>
      {detail?.summaryEnd?.reason ? <p>Ended: {detail.summaryEnd.reason}</p> : null}
      {detail && detail.artifacts.length > 0 ? (
        <>
          <h4>Artifacts</h4>
          <ul>
            {detail.artifacts.map((artifact) => (
              <li key={artifact.name}>
                <ArtifactLink runId={model.runId} name={artifact.name} size={artifact.size} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {model.notes.length > 0 ? (
        <>
          <h4>Timeline</h4>
          <ul className="notes">
            {model.notes.slice(-200).map((note) => (
              <li
                key={`${note.seq}:${note.kind}`}
                className={`note ${note.kind} ${note.level ?? ""}`}
              >
                <span className="dim">{new Date(note.ts).toLocaleTimeString()}</span>{" "}
                {note.stepId ? <span className="mono">{note.stepId}: </span> : null}
                {note.text}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {detail?.run.problems.length ? (
        <p className="error">{detail.run.problems.join("; ")}</p>
      ) : null}
    </section>
  );
}
