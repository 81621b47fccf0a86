// At start (and from the link icon): the runs one may want to reconnect to — running, failed
// and crashed — with their workflow, start time, host and step counts, marked when they run
// on another host or their executor died. As HPCBox's dialog: "Reconnect selected", "Skip".
import { useEffect } from "react";
import type { RunRow } from "../../src/api-schemas.js";
import { useToggleSet } from "../use-toggle-set.js";
import { Dialog } from "./Dialog.js";

export const RECONNECT_STATES = new Set(["running", "failed", "crashed"]);

export function reconnectCandidates(runs: readonly RunRow[], open: ReadonlySet<string>): RunRow[] {
  return runs.filter((run) => RECONNECT_STATES.has(run.state) && !open.has(run.runId));
}

export function ReconnectDialog({
  open,
  runs,
  onReconnect,
  onSkip,
}: {
  open: boolean;
  runs: RunRow[];
  onReconnect(runIds: string[]): void;
  onSkip(): void;
}) {
  const [chosen, toggle, choose] = useToggleSet();
  // Running runs are chosen to begin with: they are the ones a closed terminal left behind.
  useEffect(() => {
    if (open) choose(runs.filter((run) => run.state === "running").map((run) => run.runId));
  }, [open, runs, choose]);
  return (
    <Dialog open={open} title="Reconnect to runs" onClose={onSkip} className="reconnect">
      {runs.length === 0 ? (
        <p className="dim">No running, failed or crashed runs to reconnect to.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th aria-label="select" />
              <th>Workflow</th>
              <th>Started</th>
              <th>Host</th>
              <th>Completed</th>
              <th>Running</th>
              <th>Pending</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => {
              const pending = Math.max(0, run.steps.total - run.steps.done - run.steps.running);
              return (
                <tr key={run.runId} data-run-id={run.runId} data-state={run.state}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`reconnect to ${run.workflowName} (${run.runId})`}
                      checked={chosen.has(run.runId)}
                      onChange={() => toggle(run.runId)}
                    />
                  </td>
                  <td>{run.workflowName}</td>
                  <td>{run.startedAt ? new Date(run.startedAt).toLocaleString() : ""}</td>
                  <td>
                    {run.startedOn}
                    {run.otherHost ? (
                      <span
                        className="mark other-host"
                        title="started on another login node: followed from its files; cancel and resume from that host"
                      >
                        {" "}
                        another host
                      </span>
                    ) : null}
                  </td>
                  <td>{run.steps.done - run.steps.failed}</td>
                  <td>{run.steps.running}</td>
                  <td>{pending}</td>
                  <td>
                    <span className={`badge ${run.state}`}>{run.state}</span>
                    {run.state === "crashed" ? (
                      <span className="mark crashed" title={run.reason}>
                        {" "}
                        crashed
                      </span>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div className="dialog-actions">
        <button
          type="button"
          className="primary"
          disabled={chosen.size === 0}
          onClick={() => onReconnect([...chosen])}
        >
          Reconnect selected
        </button>
        <button type="button" onClick={onSkip}>
          Skip
        </button>
      </div>
    </Dialog>
  );
}
