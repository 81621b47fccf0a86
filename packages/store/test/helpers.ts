// Shared test fixtures: a temp dir per test, removed afterwards, and a valid meta.
import { type RunMeta, SCHEMA_VERSION } from "@runyard/schema";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";

/** A fresh temp directory, removed after the test. */
export const temporaryDirectory = useScratchDirectory("runyard-store-");

export function startMeta(overrides: Partial<RunMeta> = {}): Omit<RunMeta, "runId"> {
  return {
    schemaVersion: SCHEMA_VERSION,
    workflowId: "5f0c7a4e-2d1b-4c8e-9a3f-6b7e8d9c0a1b",
    workflowFile: "/home/user/hello.yaml",
    workflowName: "hello",
    pid: process.pid,
    startedOn: "login01",
    startedAt: "2026-06-05T14:23:00.000Z",
    endedAt: null,
    finalStatus: null,
    ...overrides,
  };
}

/** Runs `body` with the process umask set to `mask`, restoring it afterwards. */
export async function withUmask<T>(mask: number, body: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await body();
  } finally {
    process.umask(previous);
  }
}
