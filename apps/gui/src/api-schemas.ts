// The HTTP API's request and response shapes, as zod schemas: the server parses every request
// with them, and a client (the browser page, a script) types its calls against them. Shapes
// that are the run directory's own (meta.json, status.json) reuse @runyard/schema's lenient
// schemas, as every reader of those files does.
import { LenientRunMetaSchema, LenientRunStatusSchema } from "@runyard/schema";
import { RUN_CLASSIFICATIONS } from "@runyard/store";
import { z } from "zod";
import { AbsolutePathSchema } from "./inspect-schemas.js";

export * from "./inspect-schemas.js";
export * from "./settings-schemas.js";

export const ApiErrorBodySchema = z.object({
  error: z.object({
    /** Stable: E_BAD_HOST, E_TOKEN, E_ORIGIN, E_RUN_NOT_FOUND, E_RUN_RUNNING, … */
    code: z.string(),
    message: z.string(),
    hint: z.string().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** How the store classifies a run (running, success, failed, cancelled, crashed, unknown). */
export const RunStateSchema = z.enum(RUN_CLASSIFICATIONS);

export const TimelineDamageSchema = z.object({
  kind: z.string(),
  line: z.number().int().nullable(),
  found: z.string(),
  expected: z.string(),
});

/** One run as a list shows it: `GET /api/runs`. */
export const RunRowSchema = z.object({
  runId: z.string(),
  workflowName: z.string(),
  workflowId: z.string(),
  state: RunStateSchema,
  reason: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  startedOn: z.string(),
  /** startedOn is not this host: its socket cannot be reached from here. */
  otherHost: z.boolean(),
  steps: z.object({
    total: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    running: z.number().int(),
  }),
  /**
   * Whether run_summary.jsonl keeps its contract (docs/run-directory.md, "Timeline
   * integrity"): "damaged" with the first damage, "unchecked" without a readable summary.
   */
  timeline: z.object({
    state: z.enum(["intact", "damaged", "unchecked"]),
    damage: TimelineDamageSchema.nullable(),
  }),
  /** What is wrong with the run's files, each naming its file. */
  problems: z.array(z.string()),
});
export type RunRow = z.infer<typeof RunRowSchema>;

/** Integers in a query string: digits only (no sign, no exponent, no hex). */
const QueryInteger = z
  .string()
  .regex(/^\d{1,15}$/, "expected a non-negative integer")
  .transform(Number);

/** The page refreshes every 2 s: it reads the newest runs only, as `runyard ps` does. */
export const DEFAULT_RUNS_LIMIT = 200;
/** The most runs one `GET /api/runs` returns. */
export const MAX_RUNS_LIMIT = 10_000;

/** `GET /api/runs`: `limit`, the newest how many runs (default 200, at most 10,000). */
export const RunsQuerySchema = z
  .object({
    limit: QueryInteger.pipe(z.number().int().min(1).max(MAX_RUNS_LIMIT)).default(
      DEFAULT_RUNS_LIMIT,
    ),
  })
  .strict();
export type RunsQuery = z.infer<typeof RunsQuerySchema>;

export const RunsResponseSchema = z.object({
  runsRoot: z.string(),
  /** This server's host name, as meta.json's startedOn names hosts. */
  host: z.string(),
  runs: z.array(RunRowSchema),
  /** How many runs the runs root holds; more than `runs` when the list was cut. */
  total: z.number().int(),
  problems: z.array(z.object({ directory: z.string(), message: z.string() })),
});
export type RunsResponse = z.infer<typeof RunsResponseSchema>;

/** A capture file of a run: `NNNNNN-<step>.out|.err`. */
export const CaptureEntrySchema = z.object({
  /** The attempt's capture seq: attempts of a run in the order they started. */
  seq: z.number().int(),
  stepId: z.string(),
  stream: z.enum(["out", "err"]),
  name: z.string(),
  /** Bytes when listed; a running step's capture grows. */
  size: z.number().int(),
});

export const ArtifactEntrySchema = z.object({ name: z.string(), size: z.number().int() });

/** One run: `GET /api/runs/:id`, what `runyard show --json` tells, for a page. */
export const RunDetailSchema = z.object({
  run: RunRowSchema,
  directory: z.string(),
  /** meta.json, read as every reader does (unknown fields kept). */
  meta: LenientRunMetaSchema,
  /** status.json; null while it does not exist or when it is unreadable (see run.problems). */
  status: LenientRunStatusSchema.nullable(),
  /** Epoch ms of the last heartbeat, null when none or the run ended. */
  heartbeatAt: z.number().nullable(),
  /** How the run ended and why, from the timeline's run-end (see @runyard/store RunView). */
  summaryEnd: z
    .object({ finalStatus: z.string(), ts: z.string(), reason: z.string().optional() })
    .loose()
    .nullable(),
  captures: z.array(CaptureEntrySchema),
  /** Capture-named entries that are not read (links, pipes…), with the reason. */
  refusedCaptures: z.array(z.object({ name: z.string(), reason: z.string() })),
  artifacts: z.array(ArtifactEntrySchema),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

/** The most one capture request returns. */
export const MAX_CAPTURE_RANGE = 4 * 1024 * 1024;
/** What one returns when no length is asked for. */
export const DEFAULT_CAPTURE_RANGE = 1024 * 1024;

/**
 * `GET /api/runs/:id/steps/:step/captures`: a byte range of one attempt's stdout or stderr.
 * `offset` + `length` (default 0 and 1 MiB), or `tail` (the last BYTES); at most 4 MiB.
 */
export const CaptureQuerySchema = z
  .object({
    stream: z.enum(["out", "err"]).default("out"),
    /** 1 for the first attempt; default the latest. */
    attempt: QueryInteger.pipe(z.number().int().min(1)).optional(),
    offset: QueryInteger.optional(),
    length: QueryInteger.pipe(z.number().int().min(1).max(MAX_CAPTURE_RANGE)).optional(),
    tail: QueryInteger.pipe(z.number().int().min(1).max(MAX_CAPTURE_RANGE)).optional(),
  })
  .strict()
  .refine((query) => query.tail === undefined || query.offset === undefined, {
    message: "give either tail or offset, not both",
  });
export type CaptureQuery = z.infer<typeof CaptureQuerySchema>;

export { CaptureRangeHeaders } from "./capture-headers.js";

/** `GET /api/usage`: the disk space of each run (what `runyard du` shows). */
export const UsageResponseSchema = z.object({
  runsRoot: z.string(),
  totalBytes: z.number(),
  runs: z.array(
    z.object({
      runId: z.string(),
      state: z.string(),
      workflowName: z.string().nullable(),
      startedAt: z.string().nullable(),
      bytes: z.number(),
      problems: z.array(z.string()),
    }),
  ),
  pendingRemovals: z.array(
    z.object({ runId: z.string(), name: z.string(), kind: z.string(), bytes: z.number() }),
  ),
});
export type UsageResponse = z.infer<typeof UsageResponseSchema>;

export const RetentionDecisionSchema = z.object({
  runId: z.string(),
  state: z.string(),
  workflowName: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  bytes: z.number(),
  /** Why the run goes or stays: the setting that decides, with the run's age. */
  reason: z.string(),
});

/** `GET /api/retention`: what the retention policy (`gc`) would remove, and the space freed. */
export const RetentionPlanResponseSchema = z.object({
  runsRoot: z.string(),
  /** The config file whose `retention:` set the policy; null for the default policy. */
  configFile: z.string().nullable(),
  policy: z.record(z.string(), z.unknown()),
  remove: z.array(RetentionDecisionSchema),
  keep: z.array(RetentionDecisionSchema),
  pendingRemovals: z.array(
    z.object({ runId: z.string(), name: z.string(), kind: z.string(), bytes: z.number() }),
  ),
  totals: z.object({
    bytes: z.number(),
    freedBytes: z.number(),
    keptRuns: z.number(),
    keptBytes: z.number(),
    overCap: z.boolean(),
  }),
});
export type RetentionPlanResponse = z.infer<typeof RetentionPlanResponseSchema>;

/** `POST /api/runs/:id/cancel`: the whole run, or one step. */
export const CancelBodySchema = z
  .object({
    /** Cancel only this step. */
    step: z.string().min(1).optional(),
    /** Kill at once (SIGKILL), no grace period, as a second Ctrl-C does. */
    force: z.boolean().optional(),
    /** For the run's timeline (default "cancelled from the GUI"). */
    reason: z.string().max(1000).optional(),
  })
  .strict();
export type CancelBody = z.infer<typeof CancelBodySchema>;

/** The executor took the cancel; the run's events say when it has taken effect. */
export const CancelResponseSchema = z.object({ accepted: z.literal(true) });

/** `POST /api/runs/:id/resume` takes no options yet: an empty body or `{}`. */
export const ResumeBodySchema = z.object({}).strict();

/** `POST /api/runs/:id/resume`: a detached executor now continues the run. */
export const ResumeResponseSchema = z.object({ runId: z.string(), pid: z.number().int() });

/** `DELETE /api/runs/:id`: the run removed (ended runs only) and the space freed. */
export const RemoveResponseSchema = z.object({
  runId: z.string(),
  state: z.string(),
  workflowName: z.string().nullable(),
  bytes: z.number(),
});

/** `POST /api/retention/apply`: apply the plan, or only its removals of these runs. */
export const RetentionApplyBodySchema = z
  .object({ runIds: z.array(z.string()).optional() })
  .strict();

export const RetentionApplyResponseSchema = z.object({
  removed: z.array(RemoveResponseSchema),
  finishedRemovals: z.array(z.object({ runId: z.string(), bytes: z.number() })),
  failed: z.array(z.object({ runId: z.string(), error: ApiErrorBodySchema.shape.error })),
  freedBytes: z.number(),
});
export type RetentionApplyResponse = z.infer<typeof RetentionApplyResponseSchema>;

/** `POST /api/runs`: start a run of a workflow file, detached, as `runyard run -d` does. */
export const LaunchBodySchema = z
  .object({
    /** Absolute path of the workflow file on this host. */
    workflowFile: AbsolutePathSchema,
    /** Values for the workflow's params (NAME → value); the executor checks them. */
    params: z.record(z.string(), z.string()).optional(),
    maxParallel: z.number().int().min(1).optional(),
  })
  .strict();
export type LaunchBody = z.infer<typeof LaunchBodySchema>;

export const LaunchResponseSchema = z.object({
  runId: z.string(),
  directory: z.string(),
  pid: z.number().int(),
  /** What the user should know: a project config whose hooks were left out, and why. */
  warnings: z.array(z.string()),
});
export type LaunchResponse = z.infer<typeof LaunchResponseSchema>;

/**
 * `GET /api/runs/:id/live`: an NDJSON stream. `fromSeq` (default 1) resumes after a reconnect:
 * one past the highest seq the client applied. `output`: `true` for every step's output,
 * `false` (default) for none, or step ids separated by commas.
 */
export const LiveQuerySchema = z
  .object({
    fromSeq: QueryInteger.pipe(z.number().int().min(1)).default(1),
    output: z
      .string()
      .optional()
      .transform((value): boolean | string[] => {
        if (value === undefined || value === "false" || value === "") return false;
        if (value === "true") return true;
        return value.split(",");
      }),
  })
  .strict();
export type LiveQuery = z.infer<typeof LiveQuerySchema>;

/** A durable event or a step-output event as @runyard/protocol defines it (docs/protocol.md). */
const ProtocolEventSchema = z.object({ type: z.string(), seq: z.number().int() }).loose();

/** One line of the live stream. */
export const LiveLineSchema = z.discriminatedUnion("type", [
  /**
   * First line. `socket`: relayed from the run's ipc.sock (live, with output if asked for);
   * `files`: read from run_summary.jsonl, polled — the run is on another host (`runHost`), or
   * it has ended. Events are the same either way; only `socket` carries output and welcomes.
   */
  z.object({
    type: z.literal("start"),
    mode: z.enum(["socket", "files"]),
    runId: z.string(),
    host: z.string(),
    runHost: z.string(),
  }),
  /** Socket mode, once per connection to the executor: the run's meta and status then. */
  z.object({
    type: z.literal("welcome"),
    meta: LenientRunMetaSchema,
    status: LenientRunStatusSchema,
    lastSeq: z.number().int(),
  }),
  /** A durable event, each seq once and in order. */
  z.object({ type: z.literal("event"), event: ProtocolEventSchema }),
  /** A step-output event (socket mode, best effort: see docs/protocol.md, Step output offsets). */
  z.object({ type: z.literal("output"), event: ProtocolEventSchema }),
  /** Sent after a while without another line (15 s): the connection is alive. */
  z.object({ type: z.literal("ping") }),
  /** Something the client should show: an executor's error, a damaged timeline line. */
  z.object({ type: z.literal("problem"), code: z.string(), message: z.string() }),
  /**
   * Last line. `finalStatus` when the run ended (also when its timeline is damaged: `reason`
   * says so), null when the stream ends for another reason (`reason`: the server is closing,
   * a running run's timeline is damaged…): reconnect with fromSeq.
   */
  z.object({
    type: z.literal("end"),
    finalStatus: z.string().nullable(),
    lastSeq: z.number().int(),
    reason: z.string().optional(),
  }),
]);
export type LiveLine = z.infer<typeof LiveLineSchema>;
