import { describe, expect, it } from "vitest";
import {
  decodeAll,
  encodeEvent,
  encodeLine,
  encodeMessage,
  encodeStderrLine,
  type RunEvent,
  toServerMessage,
} from "./index.js";

const RUN = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const TS = "2026-06-05T14:23:00.000Z";
const log: RunEvent = {
  type: "log",
  runId: RUN,
  seq: 3,
  ts: TS,
  level: "info",
  message: "two\nlines",
};

describe("encoding", () => {
  it("writes one line per value, newlines inside strings escaped", () => {
    expect(encodeLine(log).split("\n")).toHaveLength(2);
    expect(encodeStderrLine({ type: "ping" })).toBe('__RUNYARD_EVENT__ {"type":"ping"}\n');
    expect(encodeEvent(log, "stderr")).toBe(`__RUNYARD_EVENT__ ${encodeLine(log)}`);
  });

  it("relays an unknown event exactly as it came in, alone or inside an event message", () => {
    const wire = `{"type":"step-preempt","runId":"${RUN}","seq":9,"ts":"${TS}","partition":"gpu"}\n`;
    const [event] = decodeAll(wire, { content: "event" });
    if (event?.kind !== "message") throw new Error("expected a message");
    expect(event.value.type).toBe("unknown");
    expect(encodeEvent(event.value)).toBe(wire);
    const [message] = decodeAll(`{"type":"event","event":${wire.trimEnd()}}\n`, {
      content: "server-message",
    });
    if (message?.kind !== "message") throw new Error("expected a message");
    expect(encodeMessage(message.value)).toBe(`{"type":"event","event":${wire.trimEnd()}}\n`);
  });

  it("puts step-output in output messages and every other event in event messages", () => {
    expect(toServerMessage(log)).toEqual({ type: "event", event: log });
    const output: RunEvent = {
      type: "step-output",
      runId: RUN,
      seq: 3,
      ts: TS,
      stepId: "a",
      captureSeq: 1,
      stream: "stderr",
      offset: 10,
      data: "x",
    };
    expect(toServerMessage(output)).toEqual({ type: "output", event: output });
  });
});
