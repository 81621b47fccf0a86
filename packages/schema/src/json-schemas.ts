// JSON Schemas for integrators in other languages, generated from the zod schemas (the single
// source of truth) and committed under each package's schemas/ directory. A test in each
// package compares the committed files with what this generator produces, so CI fails when
// they drift; the same test rewrites them when RUNYARD_WRITE_SCHEMAS=1.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { LaunchRecordSchema } from "./launch-record.js";
import { TrustedProjectsSchema } from "./project-config.js";
import { RunMetaSchema } from "./run-meta.js";
import { RunStatusSchema } from "./run-status.js";
import { WorkflowSchema } from "./workflow.js";

/** Where committed schema files are published; `$id`s are built from it. */
export const SCHEMA_URL_BASE = "https://raw.githubusercontent.com/runyard/runyard/main/packages";

/** The `$id` of a schema file committed as `packages/<packageDirectory>/schemas/<fileName>`. */
export function jsonSchemaId(packageDirectory: string, fileName: string): string {
  return `${SCHEMA_URL_BASE}/${packageDirectory}/schemas/${fileName}`;
}

export interface JsonSchemaSource {
  /** File name under the package's schemas/ directory, e.g. "meta.schema.json". */
  readonly fileName: string;
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly schema: z.ZodType;
  /**
   * Which side of the zod schema to describe. "input" describes what a reader accepts
   * (fields with defaults are optional): the right view of a file for a validator.
   */
  readonly io: "input" | "output";
}

/** The JSON Schema document for one source: `$schema`, `$id`, `title` and `description` first. */
export function jsonSchemaDocument(source: JsonSchemaSource): Record<string, unknown> {
  // The zod description is replaced by the file-level one; the rest keeps zod's order.
  const {
    $schema,
    description: _description,
    ...rest
  } = z.toJSONSchema(source.schema, {
    target: "draft-2020-12",
    io: source.io,
  }) as Record<string, unknown>;
  return {
    $schema,
    $id: source.id,
    title: source.title,
    description: source.description,
    ...rest,
  };
}

/** The exact text committed for a source: two-space JSON and a final newline. */
export function renderJsonSchema(source: JsonSchemaSource): string {
  return `${JSON.stringify(jsonSchemaDocument(source), null, 2)}\n`;
}

export type JsonSchemaFileState = "unchanged" | "changed" | "missing" | "extra" | "written";

/**
 * Compares (or, with `write`, rewrites) the schema files in `directory` with what `sources`
 * generate. "extra" is a `*.schema.json` no source generates: a schema renamed or removed.
 */
export async function syncJsonSchemaFiles(
  directory: string,
  sources: readonly JsonSchemaSource[],
  options: { write: boolean },
): Promise<Array<{ fileName: string; state: JsonSchemaFileState }>> {
  if (options.write) await mkdir(directory, { recursive: true });
  const results: Array<{ fileName: string; state: JsonSchemaFileState }> = [];
  for (const source of sources) {
    const path = join(directory, source.fileName);
    const expected = renderJsonSchema(source);
    const actual = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (actual === expected) {
      results.push({ fileName: source.fileName, state: "unchanged" });
    } else if (options.write) {
      await writeFile(path, expected);
      results.push({ fileName: source.fileName, state: "written" });
    } else {
      results.push({
        fileName: source.fileName,
        state: actual === undefined ? "missing" : "changed",
      });
    }
  }
  const generated = new Set(sources.map((source) => source.fileName));
  const present = await readdir(directory).catch(() => [] as string[]);
  for (const fileName of present.sort()) {
    if (fileName.endsWith(".schema.json") && !generated.has(fileName)) {
      results.push({ fileName, state: "extra" });
    }
  }
  return results;
}

/** The run-directory contract's JSON Schemas, committed as packages/schema/schemas/*.json. */
export const RUN_DIRECTORY_JSON_SCHEMAS: readonly JsonSchemaSource[] = [
  {
    fileName: "meta.schema.json",
    id: jsonSchemaId("schema", "meta.schema.json"),
    title: "Runyard run meta.json",
    description:
      "meta.json in a Runyard run directory: who started the run, where, when, and how it ended. Written by the executor at start (finalStatus null) and at the end.",
    schema: RunMetaSchema,
    io: "input",
  },
  {
    fileName: "status.schema.json",
    id: jsonSchemaId("schema", "status.schema.json"),
    title: "Runyard run status.json",
    description:
      'status.json in a Runyard run directory: a snapshot of every step\'s state, replaced atomically as the run goes on (at most every 250 ms; the final state before meta.json records the end). Readers should treat a step status they do not know as "unknown".',
    schema: RunStatusSchema,
    io: "input",
  },
  {
    fileName: "workflow.schema.json",
    id: jsonSchemaId("schema", "workflow.schema.json"),
    title: "Runyard workflow",
    description:
      "A Runyard workflow file (YAML or JSON): a DAG of shell steps. Rules across fields (needs must name steps, no cycles) are checked by the loader, not by this schema.",
    schema: WorkflowSchema,
    io: "input",
  },
  {
    fileName: "launch.schema.json",
    id: jsonSchemaId("schema", "launch.schema.json"),
    title: "Runyard run launch.json",
    description:
      "launch.json in a Runyard run directory: what the front end that started the run handed the executor (the environment steps start from, params, limits). Written once by the front end before it spawns the executor; mode 0600.",
    schema: LaunchRecordSchema,
    io: "input",
  },
  {
    fileName: "trusted.schema.json",
    id: jsonSchemaId("schema", "trusted.schema.json"),
    title: "Runyard trusted.json",
    description:
      "trusted.json in the user's Runyard home ($RUNYARD_HOME, else ~/.runyard): the project config files (.runyard.yaml) the user trusts to add hooks, each by the SHA-256 of its bytes. Written by `runyard trust`; mode 0600.",
    schema: TrustedProjectsSchema,
    io: "input",
  },
];
