// The machine a bench ran on, as every report records it: these figures mean little without
// the CPU count, the load at start and end, and whether NODE_EXTRA_CA_CERTS taxed Node starts.
import { cpus, hostname, loadavg } from "node:os";

/** The load average now, rounded. */
export function loadAverage() {
  return loadavg().map((value) => Number(value.toFixed(2)));
}

export function describeMachine() {
  const cpu = cpus();
  return {
    host: hostname(),
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? "unknown",
    node: process.version,
    nodeExtraCaCerts: Boolean(process.env.NODE_EXTRA_CA_CERTS),
    loadAverageAtStart: loadAverage(),
  };
}
