// One command for every Runyard benchmark: `pnpm --filter @runyard/bench bench` (after a
// build; it runs the built packages). RUNYARD_BENCH_EVENTS and RUNYARD_BENCH_ROUNDS shrink it.
import { runCodecBench } from "./codec.js";

const count = Number(process.env.RUNYARD_BENCH_EVENTS ?? 1_000_000);
const rounds = Number(process.env.RUNYARD_BENCH_ROUNDS ?? 3);
const TARGETS = { trusted: 1.3, validated: 3 };

const format = (seconds) => `${seconds.toFixed(2)} s`;
const perEvent = (seconds) => `${((seconds / count) * 1e9).toFixed(0)} ns/event`;

console.log(
  `codec: ${count.toLocaleString("en")} mixed events, 64 KiB chunks, ${rounds} interleaved rounds (node ${process.version})`,
);
const { rounds: all, median, peakRss } = runCodecBench({ count, rounds });
const { baseline, trusted, validated } = median.seconds;
console.log(`  data: ${(median.bytes / 1e6).toFixed(0)} MB of UTF-8 JSON lines per pass`);
console.log(
  `  every round, seconds (baseline / validation off / on): ${all
    .map(
      ({ seconds }) =>
        `${seconds.baseline.toFixed(2)} / ${seconds.trusted.toFixed(2)} / ${seconds.validated.toFixed(2)}`,
    )
    .join(", ")}`,
);
console.log("  median round:");
console.log(
  `  baseline (JSON.stringify + join + split + JSON.parse)  ${format(baseline)}  ${perEvent(baseline)}`,
);
let allMet = true;
for (const [name, seconds, label] of [
  ["trusted", trusted, "codec, validation off"],
  ["validated", validated, "codec, validation on "],
]) {
  const ratio = seconds / baseline;
  const met = ratio <= TARGETS[name];
  allMet &&= met;
  console.log(
    `  ${label}  ${format(seconds)}  ${perEvent(seconds)}  ratio ${ratio.toFixed(2)}x  target <= ${TARGETS[name]}x  ${met ? "MET" : "NOT MET"}`,
  );
}
console.log(`  peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
console.log(allMet ? "all targets met" : "some targets NOT met");
