// A project's own config: `.runyard.yaml` beside a workflow (or in a directory above it, up to
// the repository's root), which may add hooks to the runs of the workflows below it — but only
// once the user has trusted it (`runyard trust`): a hook runs a command as the user, and a
// repository just cloned must not be able to do that unasked. The trust is the file's SHA-256,
// kept in `trusted.json` in the user's Runyard home; an edited file is untrusted again.
import { join } from "node:path";
import { z } from "zod";
import { TimestampSchema } from "./common.js";
import { type ConfigParseResult, parseConfigDocument } from "./config-parse.js";
import { HooksSchema } from "./hooks.js";
import { runyardHome } from "./layout.js";
import type { UserConfigLocation } from "./user-config.js";

/** The name of a project's config file. */
export const PROJECT_CONFIG_FILE = ".runyard.yaml";

/** The name of the file that records which project configs the user trusts. */
export const TRUSTED_PROJECTS_FILE = "trusted.json";

export const ProjectConfigSchema = z
  .object({
    hooks: HooksSchema.optional().describe(
      "Hooks this project adds to the user's own, once the user trusts the file",
    ),
  })
  .strict();
export type ProjectConfig = z.infer<typeof ProjectConfigSchema>;

/** Validates a `.runyard.yaml` (text, or bytes that must be UTF-8). */
export function parseProjectConfig(source: Uint8Array | string): ConfigParseResult<ProjectConfig> {
  return parseConfigDocument(ProjectConfigSchema, source);
}

const Sha256Schema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: "expected a SHA-256 in lowercase hex" });

export const TrustedProjectsSchema = z
  .object({
    schemaVersion: z.literal(1).describe("Version of this file's format"),
    projects: z
      .record(
        z.string().min(1).describe("Absolute path of a project config file"),
        z
          .object({
            sha256: Sha256Schema.describe("SHA-256 of the file's bytes when the user trusted it"),
            trustedAt: TimestampSchema.describe("When the user trusted it"),
          })
          .strict(),
      )
      .describe("The project config files the user trusts, by absolute path"),
  })
  .strict();
export type TrustedProjects = z.infer<typeof TrustedProjectsSchema>;

/** `$RUNYARD_HOME/trusted.json`, else `~/.runyard/trusted.json`. */
export function trustedProjectsPath(options: UserConfigLocation = {}): string {
  return join(runyardHome(options), TRUSTED_PROJECTS_FILE);
}
