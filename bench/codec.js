// Codec throughput against a bare baseline over the same events, measured in one process:
//   baseline: JSON.stringify each event, join with "\n", split("\n"), JSON.parse each line;
//   codec:    encodeEvent each event, UTF-8 encode into 64 KiB chunks (split mid-line), feed
//             them to a LineDecoder, with and without validation.
// Events are generated in batches outside the timed sections, so memory stays bounded; every
// decoded value is checked against the baseline (a checksum of seqs, and no decode errors).
import { encodeEvent, LineDecoder } from "@runyard/protocol";
import { eventBatches } from "./events.js";

const CHUNK_BYTES = 64 * 1024;
const BATCH = 10_000;
const encoder = new TextEncoder();

function baseline(batch) {
  const text = batch.map((event) => JSON.stringify(event)).join("\n");
  let sum = 0;
  for (const line of text.split("\n")) sum += JSON.parse(line).seq;
  return { sum, errors: 0, bytes: 0 };
}

// The writer side of a stream: each line is UTF-8 encoded straight into one reused 64 KiB
// buffer, handed over whenever it is full — so chunks end mid-line, as reads of a file or
// socket do, and the whole text is never built.
function codec(decoder) {
  const chunk = new Uint8Array(CHUNK_BYTES);
  let used = 0;
  let sum = 0;
  let errors = 0;
  let bytes = 0;
  const flush = () => {
    for (const result of decoder.push(chunk.subarray(0, used))) {
      if (result.kind === "message") sum += result.value.seq;
      else errors += 1;
    }
    bytes += used;
    used = 0;
  };
  return (batch) => {
    sum = 0;
    errors = 0;
    bytes = 0;
    for (let index = 0; index < batch.length; index += 1) {
      let line = encodeEvent(batch[index]);
      for (;;) {
        const { read, written } = encoder.encodeInto(line, chunk.subarray(used));
        used += written;
        if (read === line.length) break;
        flush();
        line = line.slice(read);
      }
    }
    flush();
    return { sum, errors, bytes };
  };
}

const NAMES = ["baseline", "trusted", "validated"];

function makeSteps() {
  return {
    baseline,
    trusted: codec(new LineDecoder({ content: "event", validate: false })),
    validated: codec(new LineDecoder({ content: "event" })),
  };
}

// One pass over `count` events. The variants take turns on every batch (in rotating order),
// so a change in machine load — other processes, GC debt — hits all three alike.
function round(count) {
  const steps = makeSteps();
  const seconds = { baseline: 0, trusted: 0, validated: 0 };
  let bytes = 0;
  let turn = 0;
  for (const batch of eventBatches(count, BATCH)) {
    const sums = {};
    for (let index = 0; index < NAMES.length; index += 1) {
      const name = NAMES[(turn + index) % NAMES.length];
      const start = process.hrtime.bigint();
      const result = steps[name](batch);
      seconds[name] += Number(process.hrtime.bigint() - start) / 1e9;
      if (result.errors !== 0) throw new Error(`${name}: ${result.errors} lines failed to decode`);
      sums[name] = result.sum;
      if (name === "trusted") bytes += result.bytes;
    }
    if (sums.trusted !== sums.baseline || sums.validated !== sums.baseline) {
      throw new Error(`checksums differ: ${JSON.stringify(sums)}`);
    }
    turn += 1;
  }
  return { seconds, bytes };
}

/** Runs `rounds` interleaved rounds; returns them all and the one with the median ratio. */
export function runCodecBench({ count, rounds }) {
  // Warm every path first so the JIT has seen them all before anything is timed.
  round(Math.min(count, 50_000));
  const results = [];
  let peakRss = 0;
  for (let index = 0; index < rounds; index += 1) {
    results.push(round(count));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const ratio = (result) => result.seconds.trusted / result.seconds.baseline;
  const median = [...results].sort((a, b) => ratio(a) - ratio(b))[Math.floor(results.length / 2)];
  return { rounds: results, median, peakRss };
}
