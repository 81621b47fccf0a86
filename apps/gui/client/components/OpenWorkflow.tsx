// Open a workflow file on this host: its DAG, its validation problems with their lines, a
// form for its params, and Run (POST /api/runs, the same launch as `runyard run -d`).
import { useState } from "react";
import type { LaunchResponse } from "../../src/api-schemas.js";
import type { WorkflowInspectResponse } from "../../src/inspect-schemas.js";
import { api, describeError } from "../api.js";
import { DagView } from "./DagView.js";

type InspectResponse = WorkflowInspectResponse;
type InspectParam = InspectResponse["params"][number];

const RECENT_KEY = "runyard-recent-workflows";

function recentFiles(): string[] {
  try {
    const value = JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(value)
      ? value.filter((item) => typeof item === "string").slice(0, 10)
      : [];
  } catch {
    return [];
  }
}

export function OpenWorkflow({
  suggestions,
  onStarted,
}: {
  suggestions: string[];
  onStarted(runId: string): void;
}) {
  const [path, setPath] = useState(() => recentFiles()[0] ?? suggestions[0] ?? "");
  const [inspected, setInspected] = useState<InspectResponse | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const known = [...new Set([...recentFiles(), ...suggestions])];

  const inspect = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await api<InspectResponse>("workflows/inspect", {
        method: "POST",
        body: { workflowFile: path.trim() },
      });
      setInspected(result);
      setValues(
        Object.fromEntries(
          result.params.map((param) => [
            param.name,
            param.default === null ? "" : String(param.default),
          ]),
        ),
      );
      localStorage.setItem(
        RECENT_KEY,
        JSON.stringify(
          [
            result.workflowFile,
            ...recentFiles().filter((file) => file !== result.workflowFile),
          ].slice(0, 10),
        ),
      );
    } catch (failure) {
      setInspected(null);
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  const run = async () => {
    if (!inspected) return;
    setBusy(true);
    setError(null);
    try {
      const params = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ""));
      const result = await api<LaunchResponse>("runs", {
        method: "POST",
        body: {
          workflowFile: inspected.workflowFile,
          ...(Object.keys(params).length ? { params } : {}),
        },
      });
      onStarted(result.runId);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="open-workflow" aria-label="open a workflow">
      <form
        className="path-form"
        onSubmit={(event) => {
          event.preventDefault();
          void inspect();
        }}
      >
        <label htmlFor="workflow-path">Workflow file (absolute path on this host)</label>
        <div className="row">
          <input
            id="workflow-path"
            list="workflow-suggestions"
            value={path}
            onChange={(event) => setPath(event.target.value)}
            placeholder="/home/you/project/pipeline.yaml"
            spellCheck={false}
            autoComplete="off"
          />
          <datalist id="workflow-suggestions">
            {known.map((file) => (
              <option key={file} value={file} />
            ))}
          </datalist>
          <button type="submit" disabled={busy || !path.trim().startsWith("/")}>
            Open
          </button>
        </div>
      </form>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {inspected ? (
        <div className="inspect">
          <h2>
            {inspected.name ?? inspected.workflowFile}{" "}
            <span
              className={`badge ${inspected.ok ? "success" : "failed"}`}
              data-testid="validation"
            >
              {inspected.ok
                ? "valid"
                : `${inspected.problems.length} problem${inspected.problems.length === 1 ? "" : "s"}`}
            </span>
          </h2>
          {inspected.problems.length > 0 ? (
            <ul className="problems" aria-label="validation problems">
              {inspected.problems.map((problem, index) => (
                <li key={index} data-line={problem.line ?? ""}>
                  <span className="mono">
                    {inspected.workflowFile}
                    {problem.line !== null ? `:${problem.line}` : ""}
                    {problem.line !== null && problem.column !== null ? `:${problem.column}` : ""}
                  </span>{" "}
                  {problem.path ? <span className="mono dim">{problem.path}: </span> : null}
                  {problem.message}
                  {problem.hint ? <span className="dim"> ({problem.hint})</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
          <div className="inspect-body">
            {inspected.steps.length > 0 ? (
              <div className="dag-pane preview">
                <DagView
                  steps={inspected.steps.map((step) => ({
                    id: step.id,
                    name: step.name,
                    needs: step.needs,
                  }))}
                  views={null}
                  selected={null}
                  onSelect={() => {}}
                  label={`steps of ${inspected.name ?? "the workflow"}`}
                />
              </div>
            ) : null}
            <form
              className="params"
              onSubmit={(event) => {
                event.preventDefault();
                void run();
              }}
            >
              <h3>Params</h3>
              {inspected.params.length === 0 ? (
                <p className="dim">This workflow takes no params.</p>
              ) : null}
              {inspected.params.map((param) => (
                <ParamField
                  key={param.name}
                  param={param}
                  value={values[param.name] ?? ""}
                  onChange={(value) => setValues((before) => ({ ...before, [param.name]: value }))}
                />
              ))}
              <button type="submit" className="primary" disabled={busy || !inspected.ok}>
                Run
              </button>
            </form>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function ParamField({
  param,
  value,
  onChange,
}: {
  param: InspectParam;
  value: string;
  onChange(value: string): void;
}) {
  const id = `param-${param.name}`;
  const label = (
    <label htmlFor={id}>
      {param.name}
      {param.required ? " *" : ""} <span className="dim">{param.type}</span>
    </label>
  );
  let input: React.ReactNode;
  if (param.choices) {
    input = (
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {param.required && value === "" ? <option value="">choose…</option> : null}
        {param.choices.map((choice) => (
          <option key={String(choice)} value={String(choice)}>
            {String(choice)}
          </option>
        ))}
      </select>
    );
  } else if (param.type === "boolean") {
    input = (
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  } else {
    input = (
      <input
        id={id}
        type={param.type === "number" ? "number" : "text"}
        step="any"
        value={value}
        required={param.required}
        onChange={(event) => onChange(event.target.value)}
      />
    );
  }
  return (
    <div className="field">
      {label}
      {input}
      {param.description ? <small className="dim">{param.description}</small> : null}
    </div>
  );
}
