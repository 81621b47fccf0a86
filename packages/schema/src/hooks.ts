// Hooks: shell commands that run when something happens in a run (it starts, a step ends, the
// run fails), each handed the event's JSON on stdin. The user's config lists them under
// `hooks:`; a project's `.runyard.yaml` may add some once the user has trusted it. The front
// end resolves them into launch.json (LaunchHookSchema) and the executor runs them, a bounded
// number at once, each with a timeout, never holding up or failing the run.
import { z } from "zod";
import { durationSeconds } from "./duration.js";
import { DurationSchema } from "./workflow.js";

/**
 * What a hook can be run on: four event types of the timeline, and two failures among them —
 * `step-failed` (a step-end whose step failed for good: its last attempt, not one a retry
 * follows) and `run-failed` (a run-end whose finalStatus is failed).
 */
export const HOOK_EVENTS = [
  "run-start",
  "step-start",
  "step-end",
  "step-failed",
  "run-end",
  "run-failed",
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export const HookEventSchema = z
  .enum(HOOK_EVENTS, { error: `expected one of ${HOOK_EVENTS.join(", ")}` })
  .describe(
    "An event a hook runs on: run-start, step-start, step-end, run-end, or a failure: step-failed (a step failed for good), run-failed (the run ended failed)",
  );

/** How long a hook may run when its config sets no `timeout`. */
export const HOOK_TIMEOUT_DEFAULT_MS = 10_000;
/** The longest `timeout` a hook may have: the executor waits for hooks before it exits. */
export const HOOK_TIMEOUT_MAX_MS = 5 * 60_000;
/** Hooks running at once when the config sets no `hooksParallel`. */
export const HOOKS_PARALLEL_DEFAULT = 4;
/** The most hooks that may run at once (`hooksParallel`). */
export const HOOKS_PARALLEL_MAX = 64;
/** The most hooks one config file may list. */
export const HOOKS_MAX = 100;

const HookTimeoutSchema = DurationSchema.refine(
  (value) => durationSeconds(value) * 1000 <= HOOK_TIMEOUT_MAX_MS,
  { error: "expected at most 5m: the executor waits for its hooks before it exits" },
).describe(
  'How long the hook may run before it is stopped (SIGTERM, then SIGKILL): seconds, or "30s", "2m"; at most 5m (default 10s)',
);

/** One hook as a config file writes it. */
export const HookSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe("What warnings and hooks.log call the hook (default: its command)"),
    on: z
      // The list first: a list with a wrong event is then reported at that event, and a
      // single wrong event (a string, no list) at the enum, with a suggestion.
      .union([z.array(HookEventSchema).min(1), HookEventSchema], {
        error: `expected an event or a list of events: ${HOOK_EVENTS.join(", ")}`,
      })
      .describe("The event, or events, the hook runs on"),
    run: z
      .string()
      .min(1)
      .describe("A bash command; it reads the event's JSON (one line) on stdin"),
    timeout: HookTimeoutSchema.optional(),
  })
  .strict();
export type Hook = z.infer<typeof HookSchema>;

export const HooksSchema = z
  .array(HookSchema)
  .max(HOOKS_MAX)
  .describe("Commands to run on a run's events, each with the event's JSON on stdin");

export const HooksParallelSchema = z
  .int()
  .min(1)
  .max(HOOKS_PARALLEL_MAX)
  .describe(`How many hooks may run at once (default ${HOOKS_PARALLEL_DEFAULT})`);

/** A hook as launch.json hands it to the executor: resolved, nothing left to default. */
export const LaunchHookSchema = z
  .object({
    name: z.string().min(1).describe("What warnings and hooks.log call it"),
    on: z.array(HookEventSchema).min(1).describe("The events it runs on"),
    run: z.string().min(1).describe("The bash command; the event's JSON comes on its stdin"),
    timeoutMs: z
      .int()
      .positive()
      .max(HOOK_TIMEOUT_MAX_MS)
      .describe("How long it may run before it is stopped"),
    cwd: z
      .string()
      .min(1)
      .describe("Where it runs: the directory of the config file that defines it"),
    source: z.string().min(1).describe("The config file that defines it"),
  })
  .strict();
export type LaunchHook = z.infer<typeof LaunchHookSchema>;

/** The name a hook goes by: its own, else its command's first line, cut at 60 characters. */
export function hookName(hook: Pick<Hook, "name" | "run">): string {
  if (hook.name !== undefined) return hook.name;
  const line = hook.run.trim().split("\n")[0] ?? "";
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/**
 * The hooks of one config file as the executor takes them: `on` a list, the timeout in
 * milliseconds, run in `directory` (the file's).
 */
export function launchHooks(
  hooks: readonly Hook[],
  source: string,
  directory: string,
): LaunchHook[] {
  return hooks.map((hook) => ({
    name: hookName(hook),
    on: typeof hook.on === "string" ? [hook.on] : [...new Set(hook.on)],
    run: hook.run,
    timeoutMs:
      hook.timeout === undefined
        ? HOOK_TIMEOUT_DEFAULT_MS
        : Math.max(1, Math.round(durationSeconds(hook.timeout) * 1000)),
    cwd: directory,
    source,
  }));
}
