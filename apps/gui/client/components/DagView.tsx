// The workflow's DAG as SVG: one node per step (a foreach step is one node with its
// instances counted), coloured by status, updated live. Nodes are buttons for the keyboard
// (Tab, Enter/Space) and carry data-step-id/data-status for tests and benchmarks.
import { memo, useId, useMemo } from "react";
import { type Layout, layoutGraph, NODE_HEIGHT, NODE_WIDTH } from "../layout.js";
import type { GraphStep, NodeView } from "../run-model.js";

interface Props {
  steps: GraphStep[];
  views: Map<string, NodeView> | null;
  selected: string | null;
  onSelect(id: string): void;
  label: string;
}

export function DagView({ steps, views, selected, onSelect, label }: Props) {
  const layout: Layout = useMemo(() => layoutGraph(steps), [steps]);
  // Each SVG its own marker: url(#id) finds the document's first, which may be hidden.
  const arrow = `arrow-${useId().replace(/[^\w-]/g, "")}`;
  return (
    <div className="dag" data-steps={steps.length}>
      {/* biome-ignore lint/a11y/useSemanticElements: an SVG cannot hold a <fieldset> */}
      <svg
        className="dag-svg"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="group"
        aria-label={label}
      >
        <defs>
          <marker
            id={arrow}
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="edge-head" />
          </marker>
        </defs>
        <g className="edges">
          {layout.edges.map((edge) => (
            <path
              key={`${edge.from}>${edge.to}`}
              d={edge.path}
              className="edge"
              markerEnd={`url(#${arrow})`}
            />
          ))}
        </g>
        {steps.map((step) => {
          const at = layout.nodes.get(step.id);
          if (!at) return null;
          const view = views?.get(step.id);
          return (
            <StepNode
              key={step.id}
              id={step.id}
              name={step.name}
              x={at.x}
              y={at.y}
              status={view?.status ?? "pending"}
              items={view?.items ? `${view.items.completed}/${view.items.total}` : ""}
              failedItems={view?.items?.failed ?? 0}
              selected={selected === step.id}
              onSelect={onSelect}
            />
          );
        })}
      </svg>
    </div>
  );
}

interface NodeProps {
  id: string;
  name: string;
  x: number;
  y: number;
  status: string;
  items: string;
  failedItems: number;
  selected: boolean;
  onSelect(id: string): void;
}

const StepNode = memo(function StepNode(props: NodeProps) {
  const { id, name, x, y, status, items, failedItems, selected, onSelect } = props;
  const shown = name.length > 22 ? `${name.slice(0, 21)}…` : name;
  return (
    // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>
    <g
      className={`node ${status}${selected ? " selected" : ""}`}
      transform={`translate(${x - NODE_WIDTH / 2},${y - NODE_HEIGHT / 2})`}
      data-step-id={id}
      data-status={status}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={`${name}: ${status}${items ? `, ${items} instances done` : ""}`}
      onClick={() => onSelect(id)}
      onKeyDown={(event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          onSelect(id);
        }
      }}
    >
      <title>{`${name} (${id}): ${status}`}</title>
      <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx="7" />
      <circle cx="14" cy={NODE_HEIGHT / 2} r="5" className="dot" />
      <text x="26" y={items ? 17 : 24} className="name">
        {shown}
      </text>
      {items ? (
        <text x="26" y="32" className="items">
          {items} done{failedItems ? `, ${failedItems} failed` : ""}
        </text>
      ) : null}
    </g>
  );
});
