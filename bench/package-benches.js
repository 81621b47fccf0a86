// The package benchmarks (codec, cancel, start-up, watchdog), run by `run-all.js` in a full run
// or with `--only packages`, against the built packages. RUNYARD_BENCH_EVENTS and
// RUNYARD_BENCH_ROUNDS shrink them.
import { runCancelBench } from "./cancel.js";
import { runCodecBench } from "./codec.js";
import { runStartupBench } from "./startup.js";
import { runWatchdogBench } from "./watchdog.js";

const count = Number(process.env.RUNYARD_BENCH_EVENTS ?? 1_000_000);
const rounds = Number(process.env.RUNYARD_BENCH_ROUNDS ?? 3);
const TARGETS = { trusted: 1.3, validated: 3 };

const format = (seconds) => `${seconds.toFixed(2)} s`;
const perEvent = (seconds) => `${((seconds / count) * 1e9).toFixed(0)} ns/event`;

/** Runs them one after the other, printing as it goes; whether every target was met. */
export async function runPackageBenches() {
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

  // Stopping many stubborn steps: CPU while it waits out the grace period, and how late the
  // SIGKILL lands, next to an idle timer of the same length in the same run.
  const steps = Number(process.env.RUNYARD_BENCH_CANCEL_STEPS ?? 40);
  const { baseline: idle, cancel } = await runCancelBench({ steps });
  const late = cancel.elapsed - 1000;
  const idleLate = idle.elapsed - 1000;
  const percent = (fraction) => `${(fraction * 100).toFixed(0)}% of a core`;
  console.log(
    `cancel: ${steps} steps that ignore SIGTERM, 1 s grace period (node ${process.version})`,
  );
  console.log(
    `  idle 1 s timer (baseline)  ${percent(idle.core)}  ends +${idleLate.toFixed(0)} ms late`,
  );
  console.log(
    `  cancel                      ${percent(cancel.core)}  last step ends +${late.toFixed(0)} ms after the deadline`,
  );
  const cancelMet = cancel.core <= 0.3 && late <= 500;
  allMet &&= cancelMet;
  console.log(`  target: <= 30% of a core and <= 500 ms late  ${cancelMet ? "MET" : "NOT MET"}`);

  // A one-step workflow from the command line: the detached executor costs one more Node start,
  // which runs while the CLI waits; the target keeps the rest of the difference small.
  const startupRounds = Number(process.env.RUNYARD_BENCH_STARTUP ?? 15);
  const startup = runStartupBench({ rounds: startupRounds });
  const ms = (value) => `${value.toFixed(0)} ms`;
  console.log(
    `start-up: a one-step workflow, ${startupRounds} interleaved rounds, wall clock to exit (node ${process.version}${process.env.NODE_EXTRA_CA_CERTS ? ", NODE_EXTRA_CA_CERTS set" : ""})`,
  );
  console.log(`  node -e 0 (floor)                         ${ms(startup.node)}`);
  console.log(`  in-process executor (before)              ${ms(startup.inProcess)}`);
  console.log(
    `  runyard run (detached executor + watch)   ${ms(startup.run)}  +${ms(startup.run - startup.node)} over node -e 0, +${ms(startup.run - startup.inProcess)} over in-process`,
  );
  console.log(
    `  runyard run -d (returns once started)     ${ms(startup.detach)}  +${ms(startup.detach - startup.node)} over node -e 0`,
  );
  // One more Node process is started (the executor) and loads its modules while the CLI waits.
  const startupMet = startup.run - startup.inProcess <= 250;
  allMet &&= startupMet;
  console.log(
    `  target: run <= in-process + 250 ms (one more Node start and its module loading)  ${startupMet ? "MET" : "NOT MET"}`,
  );
  // The crash watchdog: nothing per step, so its cost must not grow with the run; and how fast
  // a SIGKILLed executor's steps are gone.
  const watchdogRounds = Number(process.env.RUNYARD_BENCH_WATCHDOG ?? 3);
  const watchdog = await runWatchdogBench({ rounds: watchdogRounds });
  console.log(
    `watchdog: fan-outs of \`true\` at p=2, ${watchdogRounds} interleaved rounds, with and without it; then 20 steps holding 30 processes, the executor SIGKILLed`,
  );
  let watchdogMet = true;
  for (const [steps, { with: on, without: off }] of Object.entries(watchdog.cost)) {
    const ratio = on / off;
    watchdogMet &&= ratio <= 1.05;
    console.log(
      `  ${steps.padStart(5)} steps  without ${ms(off)}  with ${ms(on)}  ratio ${ratio.toFixed(3)}x`,
    );
  }
  console.log(
    `  watchdog while the run goes on: ${(watchdog.watchdogRss / 2 ** 20).toFixed(1)} MiB RSS`,
  );
  const reapMet = watchdog.reapMaxMs <= 2000;
  watchdogMet &&= reapMet;
  console.log(
    `  SIGKILL of the executor to the last step process gone: median ${ms(watchdog.reapMs)}, max ${ms(watchdog.reapMaxMs)}`,
  );
  allMet &&= watchdogMet;
  console.log(
    `  target: ratio <= 1.05x at both sizes, every step process gone <= 2 s  ${watchdogMet ? "MET" : "NOT MET"}`,
  );
  console.log(
    allMet ? "package benchmarks: all targets met" : "package benchmarks: some targets NOT met",
  );
  return allMet;
}
