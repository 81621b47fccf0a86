// The seed's meta.json and status.json (HPCBox "Workflow Run Directories", with the elided
// UUIDs written out) and malformed variants of them, each with the exact problems a reader
// reports. Shared by the zod tests and the ajv test, so both judge the same documents.

export const SEED_META = {
  runId: "a3f8b2c1-5d2e-4f6a-9b7c-1d2e3f4a5b6c",
  workflowId: "f7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2190",
  workflowFile: "/home/user/workflows/openfoam.hpcbox",
  workflowName: "openfoam",
  pid: 12345,
  startedOn: "login01",
  startedAt: "2026-06-05T14:23:00Z",
  endedAt: "2026-06-05T16:10:00Z",
  finalStatus: "success",
} as const;

export const SEED_STATUS = {
  runId: "a3f8b2c1-5d2e-4f6a-9b7c-1d2e3f4a5b6c",
  workflowId: "f7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2190",
  updatedAt: "2026-06-05T14:25:10Z",
  steps: [
    { name: "meshing", nodeId: "node-1", status: "completed" },
    { name: "simulation", nodeId: "node-2", status: "running" },
    { name: "postprocess", nodeId: "node-3", status: "pending" },
  ],
} as const;

/** meta.json as Runyard writes it while a run goes on: every optional field present. */
export const RUNNING_META = {
  schemaVersion: 1,
  runId: "019a1b2c-3d4e-7f00-8a00-0123456789ab",
  workflowId: "5e632cff-576b-5eca-b256-3d5137cf4ce5",
  workflowFile: "/home/user/examples/hello.yaml",
  workflowName: "hello",
  pid: 4242,
  startedOn: "login01",
  startedAt: "2026-06-05T14:23:00.000Z",
  endedAt: null,
  finalStatus: null,
  executor: {
    pid: 4242,
    processStartTicks: "123456789",
    bootId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
  },
  user: "ada",
  cwd: "/home/user",
  runyardVersion: "0.1.0",
} as const;

/** status.json with every optional step field. */
export const DETAILED_STATUS = {
  runId: "019a1b2c-3d4e-7f00-8a00-0123456789ab",
  workflowId: "5e632cff-576b-5eca-b256-3d5137cf4ce5",
  updatedAt: "2026-06-05T14:25:10.123Z",
  seq: 7,
  steps: [
    {
      name: "hello",
      nodeId: "hello",
      status: "completed",
      seq: 1,
      attempt: 1,
      startedAt: "2026-06-05T14:23:00.100Z",
      endedAt: "2026-06-05T14:23:00.200Z",
      exitCode: 0,
      signal: null,
      backend: "local",
    },
    {
      name: "train",
      nodeId: "train",
      status: "failed",
      seq: 3,
      attempt: 2,
      exitCode: null,
      signal: "SIGKILL",
      reason: "killed by Slurm: time limit",
      backend: "slurm",
      jobId: "812345",
    },
    { name: "report", nodeId: "report", status: "skipped", reason: "train failed" },
    { name: "notify", nodeId: "notify", status: "cancelled" },
  ],
} as const;

export interface MalformedCase {
  readonly name: string;
  readonly document: unknown;
  /** What `check()` reports, each formatted as `file: path: message`. */
  readonly expected: readonly string[];
}

const meta = (changes: Record<string, unknown>, omit: readonly string[] = []) =>
  Object.fromEntries(
    Object.entries({ ...SEED_META, ...changes }).filter(([key]) => !omit.includes(key)),
  );

export const MALFORMED_META: readonly MalformedCase[] = [
  {
    name: "wrong type: pid as a string",
    document: meta({ pid: "12345" }),
    expected: ['meta.json: pid: expected an integer, found "12345"'],
  },
  {
    name: "wrong type: endedAt as a number",
    document: meta({ endedAt: 1780668600 }),
    expected: ["meta.json: endedAt: expected a string or null, found the number 1780668600"],
  },
  {
    name: "missing field: startedOn",
    document: meta({}, ["startedOn"]),
    expected: ['meta.json: missing required field "startedOn"'],
  },
  {
    name: "bad status: finalStatus done",
    document: meta({ finalStatus: "done" }),
    expected: [
      'meta.json: finalStatus: expected one of "success", "failed", "cancelled", null, found "done"',
    ],
  },
  {
    name: "bad timestamp: startedAt without T and zone",
    document: meta({ startedAt: "2026-06-05 14:23" }),
    expected: [
      'meta.json: startedAt: expected an ISO-8601 timestamp such as 2026-06-05T14:23:00.000Z, found "2026-06-05 14:23"',
    ],
  },
  {
    name: "bad uuid: the seed's elided runId",
    document: meta({ runId: "a3f8b2c1-..." }),
    expected: [
      'meta.json: runId: expected a UUID such as 0190b5a4-6c1e-7c3a-9f2d-8e4b5a6c7d8e, found "a3f8b2c1-..."',
    ],
  },
  {
    name: "unknown field: finalstatus, in the wrong case",
    document: meta({ finalstatus: "success" }, ["finalStatus"]),
    expected: [
      'meta.json: missing required field "finalStatus"',
      'meta.json: finalstatus: unknown field "finalstatus" (did you mean "finalStatus"?)',
    ],
  },
  {
    name: "not an object",
    document: [SEED_META],
    expected: ["meta.json: expected an object, found an array"],
  },
  {
    name: "several problems at once",
    document: meta({ pid: 0, finalStatus: "ok", hostname: "login01" }, ["workflowName"]),
    expected: [
      'meta.json: missing required field "workflowName"',
      "meta.json: pid: expected a number greater than 0, found the number 0",
      'meta.json: finalStatus: expected one of "success", "failed", "cancelled", null, found "ok"',
      'meta.json: hostname: unknown field "hostname" (expected one of schemaVersion, runId, workflowId, workflowFile, workflowName, pid, startedOn, startedAt, endedAt, finalStatus, executor, user, cwd, runyardVersion, params, rerunOf, resumes, timelineBytes)',
    ],
  },
];

const status = (changes: Record<string, unknown>, omit: readonly string[] = []) =>
  Object.fromEntries(
    Object.entries({ ...SEED_STATUS, ...changes }).filter(([key]) => !omit.includes(key)),
  );
const withStep = (index: number, step: Record<string, unknown>) =>
  status({ steps: SEED_STATUS.steps.map((original, at) => (at === index ? step : original)) });

export const MALFORMED_STATUS: readonly MalformedCase[] = [
  {
    name: "wrong type: steps as an object",
    document: status({ steps: { meshing: "completed" } }),
    expected: ["status.json: steps: expected an array, found an object"],
  },
  {
    name: "wrong type: exitCode as a string",
    document: withStep(0, { ...SEED_STATUS.steps[0], exitCode: "0" }),
    expected: ['status.json: steps[0].exitCode: expected an integer or null, found "0"'],
  },
  {
    name: "missing field: nodeId",
    document: withStep(1, { name: "simulation", status: "running" }),
    expected: ['status.json: steps[1]: missing required field "nodeId"'],
  },
  {
    name: "missing field: updatedAt",
    document: status({}, ["updatedAt"]),
    expected: ['status.json: missing required field "updatedAt"'],
  },
  {
    name: "bad status: done",
    document: withStep(2, { ...SEED_STATUS.steps[2], status: "done" }),
    expected: [
      'status.json: steps[2].status: expected one of "pending", "running", "completed", "failed", "unknown", "skipped", "cancelled", found "done"',
    ],
  },
  {
    name: "bad timestamp: updatedAt as epoch milliseconds text",
    document: status({ updatedAt: "1780669510000" }),
    expected: [
      'status.json: updatedAt: expected an ISO-8601 timestamp such as 2026-06-05T14:23:00.000Z, found "1780669510000"',
    ],
  },
  {
    name: "bad uuid: workflowId",
    document: status({ workflowId: "openfoam" }),
    expected: [
      'status.json: workflowId: expected a UUID such as 0190b5a4-6c1e-7c3a-9f2d-8e4b5a6c7d8e, found "openfoam"',
    ],
  },
  {
    name: "unknown field: state instead of status",
    document: withStep(0, { name: "meshing", nodeId: "node-1", state: "completed" }),
    expected: [
      'status.json: steps[0]: missing required field "status"',
      'status.json: steps[0].state: unknown field "state" (did you mean "status"?)',
    ],
  },
];
