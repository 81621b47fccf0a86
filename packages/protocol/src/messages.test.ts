import { LenientRunMetaSchema, LenientRunStatusSchema } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { decodeAll, ServerMessageSchema, WelcomeMessageSchema } from "./index.js";

const RUN = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const WORKFLOW = "6f1c2a3b-4d5e-5f60-8a71-8293a4b5c6d7";
const meta = {
  schemaVersion: 1,
  runId: RUN,
  workflowId: WORKFLOW,
  workflowFile: "/home/ana/openfoam.yaml",
  workflowName: "openfoam",
  pid: 12345,
  startedOn: "login01",
  startedAt: "2026-06-05T14:23:00Z",
  endedAt: null,
  finalStatus: null,
};
// A welcome from a newer server: a field this version does not know, a status it does not know.
const welcome = {
  type: "welcome",
  protocolVersion: 1,
  meta: { ...meta, gpu: true },
  status: {
    runId: RUN,
    workflowId: WORKFLOW,
    updatedAt: "2026-06-05T14:23:00.000Z",
    steps: [{ name: "Meshing", nodeId: "mesh", status: "preempted" }],
  },
  lastSeq: 0,
};

describe("welcome", () => {
  it("reads meta and status as the run directory's readers do, whoever parses it", () => {
    const expected = {
      type: "welcome",
      protocolVersion: 1,
      meta,
      status: {
        ...welcome.status,
        steps: [{ name: "Meshing", nodeId: "mesh", status: "unknown" }],
      },
      lastSeq: 0,
    };
    expect(ServerMessageSchema.parse(welcome)).toEqual(expected);
    expect(decodeAll(`${JSON.stringify(welcome)}\n`, { content: "server-message" })).toEqual([
      { kind: "message", line: 1, value: expected },
    ]);
    // One definition: what a reader of meta.json and status.json makes of the same documents.
    expect(LenientRunMetaSchema.parse(welcome.meta)).toEqual(expected.meta);
    expect(LenientRunStatusSchema.parse(welcome.status)).toEqual(expected.status);
    expect(WelcomeMessageSchema.parse(welcome)).toEqual(expected);
  });
});
