// The selected step: its state, attempt, exit code, duration and Slurm job, its stdout and
// stderr as they are written, the artifacts and messages it produced, and cancelling it.
import type { StepState } from "@runyard/schema";
import { type ReactNode, useState } from "react";
import { api, describeError, formatDuration, runPath } from "../api.js";
import type { Note, RunModel } from "../run-model.js";
import { ArtifactLink } from "./ArtifactLink.js";
import { LogView } from "./LogView.js";

interface Props {
  model: RunModel;
  step: StepState;
  instances: StepState[];
  notes: Note[];
  runEnded: boolean;
  onSelect(id: string): void;
}

export function StepPanel({ model, step, instances, notes, runEnded, onSelect }: Props) {
  const [stream, setStream] = useState<"out" | "err">("out");
  const [message, setMessage] = useState<string | null>(null);
  const running = step.status === "running";
  const started = step.startedAt ? Date.parse(step.startedAt) : null;
  const ended = step.endedAt ? Date.parse(step.endedAt) : null;
  const isLoop = step.items !== undefined;
  const mine = notes.filter((note) => note.stepId === step.nodeId);

  const cancelStep = async () => {
    try {
      await api(runPath(model.runId, "/cancel"), { method: "POST", body: { step: step.nodeId } });
      setMessage(`cancelling ${step.nodeId}…`);
    } catch (error) {
      setMessage(describeError(error));
    }
  };

  return (
    <section
      className="step-panel"
      aria-label={`step ${step.nodeId}`}
      data-step-panel={step.nodeId}
    >
      <header>
        <h3>
          <span className={`badge ${step.status}`} data-testid="step-status">
            {step.status}
          </span>{" "}
          {step.name}
        </h3>
        {running && !runEnded ? (
          <button type="button" onClick={() => void cancelStep()}>
            Cancel step
          </button>
        ) : null}
      </header>
      <dl className="facts">
        <Fact label="Step" value={step.nodeId} mono />
        <Fact label="Attempt" value={step.attempt} testId="step-attempt" />
        <Fact label="Exit code" value={step.exitCode ?? undefined} testId="step-exit" />
        <Fact label="Signal" value={step.signal ?? undefined} />
        <Fact
          label="Duration"
          value={
            started === null
              ? undefined
              : `${formatDuration((ended ?? Date.now()) - started)}${ended === null && running ? " so far" : ""}`
          }
        />
        <Fact label="Backend" value={step.backend} />
        <Fact label="Slurm job" value={step.jobId} mono testId="step-job" />
        <Fact label="Reason" value={step.reason} />
        <Fact label="Item" value={step.item} mono />
        <Fact
          label="Outputs"
          mono
          value={
            step.outputs && Object.keys(step.outputs).length > 0
              ? Object.entries(step.outputs).map(([key, value]) => (
                  <div key={key}>{`${key}=${value}`}</div>
                ))
              : undefined
          }
        />
      </dl>
      {message ? <p className="notice">{message}</p> : null}
      {isLoop ? (
        <div className="instances">
          <h4>Instances ({instances.length})</h4>
          <ul>
            {instances.slice(0, 500).map((instance) => (
              <li key={instance.nodeId}>
                <button type="button" className="link" onClick={() => onSelect(instance.nodeId)}>
                  <span className={`dot ${instance.status}`} /> {instance.item ?? instance.nodeId}
                </button>{" "}
                <span className="dim">{instance.status}</span>
              </li>
            ))}
          </ul>
          {instances.length > 500 ? <p className="dim">and {instances.length - 500} more</p> : null}
        </div>
      ) : step.status === "pending" || step.status === "skipped" ? (
        <p className="dim">
          {step.status === "pending" ? "Not started yet." : "Skipped: it did not run."}
        </p>
      ) : (
        <>
          <div className="stream-tabs" role="tablist" aria-label="output stream">
            {(["out", "err"] as const).map((name) => (
              <button
                key={name}
                type="button"
                role="tab"
                aria-selected={stream === name}
                className={stream === name ? "active" : ""}
                onClick={() => setStream(name)}
              >
                {name === "out" ? "stdout" : "stderr"}
              </button>
            ))}
          </div>
          <LogView
            key={`${step.nodeId}:${stream}:${step.attempt ?? 0}`}
            model={model}
            stepId={step.nodeId}
            stream={stream}
            attempt={undefined}
            running={running}
          />
        </>
      )}
      {mine.length > 0 ? (
        <div className="notes">
          <h4>Artifacts, messages and logs</h4>
          <ul>
            {mine.map((note) => (
              <li
                key={`${note.seq}:${note.kind}`}
                className={`note ${note.kind} ${note.level ?? ""}`}
              >
                <span className="dim">{new Date(note.ts).toLocaleTimeString()}</span>{" "}
                {note.kind === "artifact" && note.file ? (
                  <ArtifactLink runId={model.runId} name={note.file} />
                ) : (
                  note.text
                )}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}

/** One line of the facts list; nothing when the step has no such fact (yet). */
function Fact({
  label,
  value,
  mono,
  testId,
}: {
  label: string;
  value: ReactNode | undefined;
  mono?: boolean;
  testId?: string;
}) {
  if (value === undefined || value === "") return null;
  return (
    <>
      <dt>{label}</dt>
      <dd className={mono ? "mono" : undefined} data-testid={testId}>
        {value}
      </dd>
    </>
  );
}
