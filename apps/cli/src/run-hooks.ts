// The hooks of a `runyard run` (resolveHooks: the user's config's, then a trusted project
// config's), read even when --runs-dir or RUNYARD_RUNS_DIR means the runs root needs no config.
// A project config that is not trusted is left out with one warning that says how to trust it.
import { dirname } from "node:path";
import type { LaunchHook } from "@runyard/schema";
import { type ProjectConfigState, resolveHooks } from "@runyard/store";
import type { CommandContext } from "./command.js";
import { type Output, paint, tildify } from "./output.js";
import { safeText } from "./safe-text.js";

/** `path` as a shell word: tildified when that needs no quotes, else single-quoted. */
export function shellPath(path: string): string {
  const short = tildify(path);
  if (/^[\w./~+-]+$/.test(short)) return short;
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

/** The warning for a project config whose hooks a run leaves out; nothing for a trusted one. */
function warnIgnored(project: ProjectConfigState, output: Output): void {
  if (project.state === "trusted") return;
  const file = safeText(tildify(project.file));
  const trust = `runyard trust ${safeText(shellPath(dirname(project.file)))}`;
  const [why, hint] =
    project.state === "untrusted"
      ? ["you have not trusted it", `read it, then trust it: ${trust}`]
      : project.state === "changed"
        ? ["it changed since you trusted it", `read it again, then trust it: ${trust}`]
        : [`cannot read it: ${project.reason ?? "unknown reason"}`, "fix it or remove it"];
  output.err(
    `${paint(output, "yellow", "warning:")} ignoring the hooks of ${file}: ${why}\n` +
      `${paint(output, "dim", "hint:")} ${hint}\n`,
  );
}

/** The hooks for a run of `workflowFile`, and how many may run at once. */
export async function hooksForRun(
  workflowFile: string,
  context: Pick<CommandContext, "env" | "output">,
  quiet: boolean,
): Promise<{ hooks: LaunchHook[]; hooksParallel: number }> {
  const { hooks, hooksParallel, project } = await resolveHooks(workflowFile, { env: context.env });
  if (project !== undefined && !quiet) warnIgnored(project, context.output);
  return { hooks, hooksParallel };
}
