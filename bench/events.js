// Deterministic mixed events for the benchmarks: runs of ~1000 events (run-start with ten
// steps, step lifecycles, logs, step output, artifacts, messages, run-end), about one in
// ten strings with non-ASCII text, so UTF-8 decoding is part of what is measured.

const RUN_IDS = ["019a1b2c-3d4e-7f00-8a00-0123456789ab", "019a1b2c-3d4e-7f00-8a00-0123456789ac"];
const WORKFLOW_ID = "6f1c2a3b-4d5e-5f60-8a71-8293a4b5c6d7";
const WORDS = [
  "build",
  "compile",
  "mesh",
  "solve",
  "post",
  "copy",
  "rsync",
  "module",
  "load",
  "ok",
];
const NON_ASCII = ["héllo wörld", "naïve café", "温度 23℃", "✓ done 🚀", "Ωmega ≤ ∞"];
const BASE_TIME = Date.UTC(2026, 5, 5, 14, 23, 0, 0);
const STEPS = Array.from({ length: 10 }, (_, index) => ({
  nodeId: `step-${index}`,
  name: `Step ${index}`,
  needs: index === 0 ? [] : [`step-${index - 1}`],
}));

/** mulberry32: a small seeded PRNG, so every run measures the same events. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(next, words) {
  const parts = [];
  for (let index = 0; index < words; index += 1) {
    parts.push(
      next() < 0.1
        ? NON_ASCII[Math.floor(next() * NON_ASCII.length)]
        : WORDS[Math.floor(next() * WORDS.length)],
    );
  }
  return parts.join(" ");
}

/** Generates `count` events in batches of `batchSize`; each batch is a fresh array. */
export function* eventBatches(count, batchSize, seed = 42) {
  const next = random(seed);
  let batch = [];
  let seq = 0;
  for (let index = 0; index < count; index += 1) {
    const position = index % 1000;
    const runId = RUN_IDS[Math.floor(index / 1000) % RUN_IDS.length];
    const ts = new Date(BASE_TIME + index * 7).toISOString();
    const step = STEPS[Math.floor(next() * STEPS.length)];
    const stepId = step.nodeId;
    if (position === 0) seq = 0;
    const base = { runId, seq: seq + 1, ts };
    let event;
    const roll = next();
    if (position === 0) {
      event = {
        type: "run-start",
        ...base,
        workflowId: WORKFLOW_ID,
        workflowName: "bench",
        workflowFile: "/home/user/bench.yaml",
        pid: 4242,
        host: "login01",
        steps: STEPS,
      };
    } else if (position === 999) {
      event = { type: "run-end", ...base, finalStatus: "success", durationMs: 123456 };
    } else if (roll < 0.1) {
      event = {
        type: "step-start",
        ...base,
        stepId,
        name: step.name,
        nodeId: stepId,
        captureSeq: position,
        attempt: 1,
        out: `${String(position).padStart(6, "0")}-${stepId}.out`,
        err: `${String(position).padStart(6, "0")}-${stepId}.err`,
        backend: "local",
      };
    } else if (roll < 0.2) {
      event = {
        type: "step-status",
        ...base,
        stepId,
        status: "running",
        jobId: String(100000 + position),
      };
    } else if (roll < 0.3) {
      event = {
        type: "step-end",
        ...base,
        stepId,
        captureSeq: position,
        attempt: 1,
        status: "completed",
        exitCode: 0,
        signal: null,
        durationMs: 5000 + position,
      };
    } else if (roll < 0.6) {
      event = {
        type: "log",
        ...base,
        level: roll < 0.55 ? "info" : "warn",
        message: sentence(next, 4 + Math.floor(next() * 12)),
        stepId,
      };
    } else if (roll < 0.92) {
      event = {
        type: "step-output",
        runId,
        seq,
        ts,
        stepId,
        captureSeq: position,
        stream: "stdout",
        offset: position * 120,
        data: `${sentence(next, 6 + Math.floor(next() * 20))}\n`,
      };
    } else if (roll < 0.97) {
      event = {
        type: "artifact-save",
        ...base,
        path: `results/${stepId}/out-${position}.dat`,
        size: position * 1024,
        stepId,
      };
    } else {
      event = {
        type: "message-send",
        ...base,
        channel: "results",
        sender: stepId,
        file: `inbox/${String(position).padStart(3, "0")}-results.txt`,
      };
    }
    if (event.type !== "step-output") seq += 1;
    batch.push(event);
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
