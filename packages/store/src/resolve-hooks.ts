// The hooks of a run, resolved by the front end that launches it (launch.json's hooks): the
// user's config's, then those of the workflow's project config if the user trusts it. The
// executor then needs no config of its own, and a run keeps the hooks it started with.
import { dirname, resolve } from "node:path";
import {
  HOOKS_PARALLEL_DEFAULT,
  type LaunchHook,
  launchHooks,
  type UserConfigLocation,
} from "@runyard/schema";
import { checkProjectConfig, findProjectConfig, type ProjectConfigState } from "./project-trust.js";
import { readUserConfig } from "./read-user-config.js";

export interface ResolvedHooks {
  hooks: LaunchHook[];
  hooksParallel: number;
  /** The workflow's project config and how it stands; undefined when it has none. */
  project: ProjectConfigState | undefined;
}

/**
 * The hooks a run of `workflowFile` gets. Throws as readUserConfig does for a broken user
 * config, and ValidationError (E_CONFIG_INVALID) for a trusted project config that is not
 * valid; a project config that is not trusted is left out, and `project` says why.
 */
export async function resolveHooks(
  workflowFile: string,
  location: UserConfigLocation = {},
): Promise<ResolvedHooks> {
  const user = await readUserConfig(location);
  const hooks = launchHooks(user.config.hooks ?? [], user.path, dirname(user.path));
  const found = await findProjectConfig(dirname(resolve(workflowFile)));
  const project = found === undefined ? undefined : await checkProjectConfig(found, location);
  if (project?.state === "trusted") {
    hooks.push(...launchHooks(project.config.hooks ?? [], project.file, dirname(project.file)));
  }
  return { hooks, hooksParallel: user.config.hooksParallel ?? HOOKS_PARALLEL_DEFAULT, project };
}
