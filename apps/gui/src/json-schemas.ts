// JSON Schemas of the GUI's HTTP API, for clients in other languages: generated from the zod
// schemas in api-schemas.ts (the single source of truth) and committed under schemas/. A test
// (json-schemas.test.ts) fails when they drift and rewrites them with RUNYARD_WRITE_SCHEMAS=1.
import type { JsonSchemaSource } from "@runyard/schema";
import type { z } from "zod";
import {
  ApiErrorBodySchema,
  CancelBodySchema,
  CaptureQuerySchema,
  GuiSettingsBodySchema,
  GuiSettingsResponseSchema,
  LaunchBodySchema,
  LaunchResponseSchema,
  LiveLineSchema,
  LiveQuerySchema,
  RetentionApplyBodySchema,
  RetentionApplyResponseSchema,
  RetentionPlanResponseSchema,
  RunDetailSchema,
  RunsQuerySchema,
  RunsResponseSchema,
  UsageResponseSchema,
  WorkflowInspectBodySchema,
  WorkflowInspectResponseSchema,
} from "./api-schemas.js";

const BASE = "https://raw.githubusercontent.com/runyard/runyard/main/apps/gui/schemas";

function source(fileName: string, title: string, description: string, schema: z.ZodType) {
  return { fileName, id: `${BASE}/${fileName}`, title, description, schema, io: "input" } as const;
}

export const GUI_API_JSON_SCHEMAS: readonly JsonSchemaSource[] = [
  source(
    "error.schema.json",
    "Runyard GUI API error",
    "The body of every refusal of the GUI's HTTP API.",
    ApiErrorBodySchema,
  ),
  source(
    "runs-response.schema.json",
    "GET /api/runs",
    "The runs under the runs root, newest first.",
    RunsResponseSchema,
  ),
  source(
    "runs-query.schema.json",
    "GET /api/runs (query)",
    "How many of the newest runs to list.",
    RunsQuerySchema,
  ),
  source(
    "run-detail.schema.json",
    "GET /api/runs/:id",
    "One run: meta, status, how it ended, its captures and artifacts.",
    RunDetailSchema,
  ),
  source(
    "capture-query.schema.json",
    "GET /api/runs/:id/steps/:step/captures (query)",
    "The query of a capture byte-range request.",
    CaptureQuerySchema,
  ),
  source(
    "launch-body.schema.json",
    "POST /api/runs (body)",
    "Start a run of a workflow file.",
    LaunchBodySchema,
  ),
  source(
    "launch-response.schema.json",
    "POST /api/runs (response)",
    "The run started.",
    LaunchResponseSchema,
  ),
  source(
    "cancel-body.schema.json",
    "POST /api/runs/:id/cancel (body)",
    "Cancel a run or one step.",
    CancelBodySchema,
  ),
  source(
    "retention-plan.schema.json",
    "GET /api/retention",
    "What the retention policy would remove.",
    RetentionPlanResponseSchema,
  ),
  source(
    "retention-apply-body.schema.json",
    "POST /api/retention/apply (body)",
    "Apply the plan, or its removals of these runs.",
    RetentionApplyBodySchema,
  ),
  source(
    "retention-apply-response.schema.json",
    "POST /api/retention/apply (response)",
    "What was removed, what failed, the space freed.",
    RetentionApplyResponseSchema,
  ),
  source(
    "usage-response.schema.json",
    "GET /api/usage",
    "The disk space of each run.",
    UsageResponseSchema,
  ),
  source(
    "live-query.schema.json",
    "GET /api/runs/:id/live (query)",
    "Where the live stream starts, and which output it carries.",
    LiveQuerySchema,
  ),
  source(
    "live-line.schema.json",
    "GET /api/runs/:id/live (line)",
    "One line of the live NDJSON stream.",
    LiveLineSchema,
  ),
  source(
    "workflow-inspect-body.schema.json",
    "POST /api/workflows/inspect (body)",
    "The workflow file to check.",
    WorkflowInspectBodySchema,
  ),
  source(
    "workflow-inspect-response.schema.json",
    "POST /api/workflows/inspect (response)",
    "Whether the workflow is valid, every problem with its line, its steps and params.",
    WorkflowInspectResponseSchema,
  ),
  source(
    "settings-body.schema.json",
    "PUT /api/settings (body)",
    "The GUI's settings; what is left out takes its default.",
    GuiSettingsBodySchema,
  ),
  source(
    "settings-response.schema.json",
    "GET /api/settings, PUT /api/settings (response)",
    "The GUI's settings, the file they are kept in, and why it was not used.",
    GuiSettingsResponseSchema,
  ),
];
