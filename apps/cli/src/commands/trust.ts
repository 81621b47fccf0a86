// `runyard trust [DIR|FILE] [--remove] [--list]` (its help and flags: command-table/trust.ts):
// finds the project config that applies in DIR (the store's findProjectConfig), trusts it as
// it is now or takes the trust back, and shows what the trust lets run.
import { statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { PROJECT_CONFIG_FILE, RunyardError } from "@runyard/schema";
import {
  findProjectConfig,
  listTrustedProjects,
  trustProjectConfig,
  untrustProjectConfig,
} from "@runyard/store";
import type { CommandRun } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { type Output, paint, tildify } from "../output.js";
import { safeText } from "../safe-text.js";
import { renderTable } from "../table.js";

const USAGE = "runyard trust [<dir> | <file>] [--remove] [--list]";

/**
 * The project config `argument` names: a .runyard.yaml itself, or the one that applies to
 * workflows in a directory (or to a workflow file). To take a trust back, a file that is gone
 * will do: the directory's own .runyard.yaml is meant.
 */
async function projectConfigFor(argument: string, cwd: string, removing: boolean) {
  const path = resolve(cwd, argument);
  if (basename(path) === PROJECT_CONFIG_FILE) return path;
  const stats = statSync(path, { throwIfNoEntry: false });
  const directory = stats?.isFile() ? dirname(path) : path;
  const found = stats === undefined ? undefined : await findProjectConfig(directory);
  if (found !== undefined) return found;
  if (removing) return join(directory, PROJECT_CONFIG_FILE);
  throw new RunyardError(
    "E_PROJECT_CONFIG_NOT_FOUND",
    stats === undefined
      ? `no such directory: ${argument}`
      : `no ${PROJECT_CONFIG_FILE} in ${directory}, or above it up to its repository's root`,
    { hint: "give the directory of the workflows, or the file itself (docs/config.md)" },
  );
}

function listTrusted(output: Output, list: Awaited<ReturnType<typeof listTrustedProjects>>) {
  if (list.length === 0) {
    output.out("you trust no project config\n");
    return;
  }
  const words = {
    trusted: "trusted",
    changed: "changed since: its hooks do not run",
    missing: "gone",
  } as const;
  const rows = list.map((entry) => ({
    cells: [tildify(entry.file), words[entry.state], entry.trustedAt],
    styles: [
      undefined,
      entry.state === "trusted" ? undefined : ("yellow" as const),
      "dim" as const,
    ],
  }));
  output.out(`${renderTable(output, rows)}\n`);
}

/** `runyard trust`, once its flags are parsed. */
export const run: CommandRun = async (values, positionals, context) => {
  const [target, ...extra] = positionals;
  refuseExtraArguments(extra, USAGE);
  const { output } = context;
  const location = { env: context.env };
  const removing = values.remove === true;
  if (values.list === true) {
    if (target !== undefined || removing) {
      throw new UsageError("--list lists them all: it takes no <dir> and no --remove", USAGE);
    }
    listTrusted(output, await listTrustedProjects(location));
    return EXIT.ok;
  }
  const file = await projectConfigFor(target ?? ".", context.cwd, removing);
  const shown = safeText(tildify(file));
  if (removing) {
    const { removed } = await untrustProjectConfig(file, location);
    output.out(
      removed
        ? `no longer trusted: ${shown}; its hooks do not run\n`
        : `not trusted: ${shown}; nothing to take back\n`,
    );
    return EXIT.ok;
  }
  const trusted = await trustProjectConfig(file, location);
  const how = {
    same: "already trusted, unchanged",
    changed: "trusted as it is now (it had changed since you trusted it)",
    none: "trusted",
  }[trusted.before];
  output.out(
    `${how}: ${shown} ${paint(output, "dim", `(sha256 ${trusted.sha256.slice(0, 12)}…)`)}\n`,
  );
  const hooks = trusted.config.hooks ?? [];
  if (hooks.length === 0) {
    output.out("it has no hooks yet\n");
    return EXIT.ok;
  }
  const where = safeText(tildify(dirname(file)));
  output.out(`its hooks run in your runs of the workflows under ${where}:\n`);
  const rows = hooks.map((hook) => ({
    cells: [
      `  on ${typeof hook.on === "string" ? hook.on : hook.on.join(", ")}`,
      hook.run.trim().split("\n")[0] ?? "",
      hook.name === undefined ? "" : `(${hook.name})`,
    ],
    styles: [undefined, undefined, "dim" as const],
  }));
  output.out(`${renderTable(output, rows).replace(/ +$/gm, "")}\n`);
  return EXIT.ok;
};
