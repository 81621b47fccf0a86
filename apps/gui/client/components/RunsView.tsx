// Every run under the runs root, newest first: open one in a tab (click or Enter), select
// ended ones and remove them, or apply the retention policy; each shows the space it freed.
import { useState } from "react";
import type {
  RetentionApplyResponse,
  RetentionPlanResponse,
  RunRow,
  RunsResponse,
} from "../../src/api-schemas.js";
import { api, describeError, formatBytes, formatDuration, runPath } from "../api.js";
import { useToggleSet } from "../use-toggle-set.js";
import { Dialog } from "./Dialog.js";

interface Props {
  data: RunsResponse | null;
  error: string | null;
  onOpen(runId: string): void;
  onChanged(): void;
}

export function RunsView({ data, error, onOpen, onChanged }: Props) {
  const [selected, toggle, select] = useToggleSet();
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);
  const [plan, setPlan] = useState<RetentionPlanResponse | null>(null);
  const runs = data?.runs ?? [];
  const removable = runs.filter((run) => selected.has(run.runId) && run.state !== "running");

  const removeSelected = async () => {
    let freed = 0;
    const removed: string[] = [];
    const failed: string[] = [];
    for (const run of removable) {
      try {
        const result = await api<{ bytes: number }>(runPath(run.runId), { method: "DELETE" });
        freed += result.bytes;
        removed.push(run.runId);
      } catch (failure) {
        failed.push(`${run.workflowName}: ${describeError(failure)}`);
      }
    }
    select([]);
    setNotice({
      text: `Removed ${removed.length} run${removed.length === 1 ? "" : "s"}, freed ${formatBytes(freed)}.${failed.length ? ` Not removed: ${failed.join("; ")}` : ""}`,
      error: failed.length > 0,
    });
    onChanged();
  };

  const showPlan = async () => {
    try {
      setPlan(await api<RetentionPlanResponse>("retention"));
    } catch (failure) {
      setNotice({ text: describeError(failure), error: true });
    }
  };
  const applyPlan = async () => {
    try {
      const result = await api<RetentionApplyResponse>("retention/apply", {
        method: "POST",
        body: {},
      });
      setPlan(null);
      setNotice({
        text: `Retention policy applied: removed ${result.removed.length} run${result.removed.length === 1 ? "" : "s"}, freed ${formatBytes(result.freedBytes)}.${result.failed.length ? ` ${result.failed.length} could not be removed.` : ""}`,
        error: result.failed.length > 0,
      });
      onChanged();
    } catch (failure) {
      setNotice({ text: describeError(failure), error: true });
    }
  };

  return (
    <section className="runs-view" aria-label="runs">
      <div className="toolbar">
        <p className="dim mono" id="root">
          {data?.runsRoot ?? ""}
        </p>
        <div className="actions">
          <button
            type="button"
            className="danger"
            disabled={removable.length === 0}
            onClick={() => void removeSelected()}
          >
            Remove selected{removable.length ? ` (${removable.length})` : ""}
          </button>
          <button type="button" onClick={() => void showPlan()}>
            Retention policy…
          </button>
        </div>
      </div>
      {notice ? (
        <p className={notice.error ? "error" : "notice"} role="status" data-testid="runs-notice">
          {notice.text}
        </p>
      ) : null}
      {error ? (
        <p className="error" role="alert" id="problems">
          {error}
        </p>
      ) : null}
      <div className="table-scroll">
        <table className="table" id="runs">
          <thead>
            <tr>
              <th aria-label="select" />
              <th>State</th>
              <th>Workflow</th>
              <th>Run</th>
              <th>Started</th>
              <th>Host</th>
              <th>Steps</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <RunRowView
                key={run.runId}
                run={run}
                selected={selected.has(run.runId)}
                onToggle={toggle}
                onOpen={onOpen}
              />
            ))}
          </tbody>
        </table>
      </div>
      {data && runs.length === 0 ? (
        <p className="empty dim">
          No runs yet. Open a workflow to start one, or run{" "}
          <code>runyard run examples/hello.yaml</code>.
        </p>
      ) : null}
      {data && data.total > runs.length + data.problems.length ? (
        <p className="dim">
          Showing the newest {runs.length} of {data.total} runs; <code>runyard ps -n 0</code> lists
          them all.
        </p>
      ) : null}
      {data?.problems.length ? (
        <p className="error">
          {data.problems.length} unreadable run director{data.problems.length === 1 ? "y" : "ies"}:{" "}
          {data.problems.map((problem) => `${problem.directory} — ${problem.message}`).join("; ")}
        </p>
      ) : null}
      <Dialog
        open={plan !== null}
        title="Retention policy"
        onClose={() => setPlan(null)}
        className="plan"
      >
        {plan ? (
          <>
            <p className="dim">
              Policy from {plan.configFile ?? "the defaults"}: {JSON.stringify(plan.policy)}
            </p>
            {plan.remove.length === 0 ? (
              <p>Nothing to remove: every run is kept.</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th>Workflow</th>
                    <th>State</th>
                    <th>Size</th>
                    <th>Why</th>
                  </tr>
                </thead>
                <tbody>
                  {plan.remove.map((decision) => (
                    <tr key={decision.runId}>
                      <td>{decision.workflowName ?? decision.runId}</td>
                      <td>{decision.state}</td>
                      <td>{formatBytes(decision.bytes)}</td>
                      <td>{decision.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p>
              Frees {formatBytes(plan.totals.freedBytes)}; keeps {plan.totals.keptRuns} runs (
              {formatBytes(plan.totals.keptBytes)}).
            </p>
            <div className="dialog-actions">
              <button
                type="button"
                className="danger"
                disabled={plan.remove.length === 0}
                onClick={() => void applyPlan()}
              >
                Remove {plan.remove.length} run{plan.remove.length === 1 ? "" : "s"}
              </button>
              <button type="button" onClick={() => setPlan(null)}>
                Close
              </button>
            </div>
          </>
        ) : null}
      </Dialog>
    </section>
  );
}

function RunRowView({
  run,
  selected,
  onToggle,
  onOpen,
}: {
  run: RunRow;
  selected: boolean;
  onToggle(runId: string): void;
  onOpen(runId: string): void;
}) {
  const end = run.endedAt ? Date.parse(run.endedAt) : Date.now();
  const damaged = run.timeline.state === "damaged";
  const damage = run.timeline.damage;
  return (
    <tr
      data-run-id={run.runId}
      data-state={run.state}
      tabIndex={0}
      className="clickable"
      onClick={(event) => {
        if ((event.target as HTMLElement).closest("input")) return;
        onOpen(run.runId);
      }}
      onKeyDown={(event) => {
        if (event.key === "Enter" && event.target === event.currentTarget) onOpen(run.runId);
      }}
    >
      <td>
        <input
          type="checkbox"
          aria-label={`select ${run.workflowName} (${run.runId})`}
          checked={selected}
          onChange={() => onToggle(run.runId)}
        />
      </td>
      <td>
        <span
          className={`badge ${run.state}`}
          title={
            damage
              ? `run_summary.jsonl is damaged ${damage.line === null ? "near its end" : `at line ${damage.line}`}: found ${damage.found}, expected ${damage.expected}`
              : run.reason
          }
        >
          {run.state}
          {damaged ? "!" : ""}
        </span>
      </td>
      <td className="workflow">
        <span className="name">{run.workflowName}</span>
        {run.otherHost ? <span className="mark other-host"> another host</span> : null}
      </td>
      <td className="id mono">{run.runId}</td>
      <td>{run.startedAt ? new Date(run.startedAt).toLocaleString() : ""}</td>
      <td>{run.startedOn}</td>
      <td>
        {run.steps.done}/{run.steps.total}
        {run.steps.failed ? ` (${run.steps.failed} failed)` : ""}
      </td>
      <td>{run.startedAt ? formatDuration(end - Date.parse(run.startedAt)) : ""}</td>
    </tr>
  );
}
