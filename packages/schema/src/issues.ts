// Turns zod issues into problems a person can act on: the path of the offending value, what
// was expected, what was found, and a suggestion for a misspelt key. Shared by the JSON file
// readers (check) and the workflow loader, which speaks YAML ("a mapping", "a list").
import { z } from "zod";
import { isRecord } from "./is-record.js";
import {
  describeFound,
  expectedPhrase,
  JSON_VOCABULARY,
  joinAlternatives,
  type Vocabulary,
  valueAt,
} from "./issue-words.js";
import { acceptsNull, objectKeysAt, recordAt, schemaAt, unwrapSchema } from "./schema-walk.js";
import { didYouMean } from "./suggest.js";

/** A problem before it is given a file position. */
export interface IssueProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** Where an editor should point: the key named by the path's last segment, or its value. */
  readonly anchor: "key" | "value";
}

export interface DescribeOptions {
  readonly vocabulary?: Vocabulary;
  /** Names for the keys of records, by key schema: `steps` keys are "step id"s. */
  readonly keyLabels?: ReadonlyMap<z.ZodType, string>;
  /** Extra advice appended to a type mismatch, e.g. how to write several commands. */
  readonly hint?: (path: readonly PropertyKey[], found: unknown) => string;
}

type Issue = z.core.$ZodIssue;

const UUID_EXAMPLE = "0190b5a4-6c1e-7c3a-9f2d-8e4b5a6c7d8e";

/**
 * Messages written in our schemas start with "expected"; zod's own defaults never do, and
 * are replaced by wording that names what was found.
 */
function isCustom(message: string): boolean {
  return message.startsWith("expected ");
}

/** A union branch that failed only because the value had another type altogether. */
function isTypeMismatch(branch: readonly Issue[]): boolean {
  return branch.some(
    (issue) =>
      issue.path.length === 0 &&
      (issue.code === "invalid_type" ||
        (issue.code === "invalid_union" && issue.errors.every((inner) => isTypeMismatch(inner)))),
  );
}

function expectedTypes(branch: readonly Issue[]): string[] {
  return branch.flatMap((issue) => {
    if (issue.path.length !== 0) return [];
    if (issue.code === "invalid_type") return [issue.expected];
    if (issue.code === "invalid_union")
      return issue.errors.flatMap((inner) => expectedTypes(inner));
    return [];
  });
}

function sizeProblem(
  issue: Issue & { code: "too_small" | "too_big" },
  found: unknown,
  vocabulary: Vocabulary,
): string {
  const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive !== false;
  if (issue.origin === "string" && typeof found === "string") {
    if (issue.code === "too_small" && Number(bound) === 1) {
      return "expected a non-empty string, found an empty string";
    }
    const limit = issue.code === "too_small" ? "at least" : "at most";
    return `expected ${limit} ${String(bound)} characters, found ${found.length}`;
  }
  if (issue.origin === "array" && Array.isArray(found)) {
    const limit = issue.code === "too_small" ? "at least" : "at most";
    return `expected ${limit} ${String(bound)} items, found ${found.length}`;
  }
  const expected =
    issue.code === "too_small"
      ? inclusive
        ? `${String(bound)} or more`
        : `a number greater than ${String(bound)}`
      : inclusive
        ? `${String(bound)} or less`
        : `a number less than ${String(bound)}`;
  return `expected ${expected}, found ${describeFound(found, vocabulary)}`;
}

/** The message for one issue about a value (not a key), without its path. */
function valueMessage(issue: Issue, found: unknown, context: Context, showFound = true): string {
  const { vocabulary } = context;
  const foundText = showFound ? `, found ${describeFound(found, vocabulary)}` : "";
  switch (issue.code) {
    case "invalid_type": {
      // A schema that words its own expectation (a rule that is "keep", "delete" or a
      // duration) says more than "expected a string".
      if (isCustom(issue.message)) return `${issue.message}${foundText}`;
      const schema = schemaAt(context.root, issue.path);
      const nullable = acceptsNull(schema) ? " or null" : "";
      // zod reports a non-number given to an integer field as "expected number".
      const bare = schema === undefined ? undefined : unwrapSchema(schema);
      const expected =
        issue.expected === "number" && bare instanceof z.ZodNumber && bare.isInt
          ? "int"
          : issue.expected;
      const quote =
        vocabulary.yaml &&
        issue.expected === "string" &&
        (typeof found === "number" || typeof found === "boolean")
          ? " (put it in quotes to make it a string)"
          : "";
      return `expected ${expectedPhrase(expected, vocabulary)}${nullable}${foundText}${quote}`;
    }
    case "invalid_value": {
      const values = issue.values.map((value) => JSON.stringify(value));
      if (acceptsNull(schemaAt(context.root, issue.path))) values.push("null");
      const expected = values.length > 2 ? `one of ${values.join(", ")}` : values.join(" or ");
      const suggestion =
        typeof found === "string"
          ? didYouMean(
              found,
              issue.values.filter((value): value is string => typeof value === "string"),
            )
          : "";
      return `expected ${expected}${foundText}${suggestion}`;
    }
    case "invalid_format": {
      if (isCustom(issue.message)) return `${issue.message}${foundText}`;
      if (issue.format === "uuid") return `expected a UUID such as ${UUID_EXAMPLE}${foundText}`;
      if (issue.format === "datetime") {
        return `expected an ISO-8601 timestamp such as 2026-06-05T14:23:00.000Z${foundText}`;
      }
      if (issue.format === "regex" && "pattern" in issue) {
        return `expected a string matching ${String(issue.pattern)}${foundText}`;
      }
      return `expected a valid ${issue.format}${foundText}`;
    }
    case "too_small":
    case "too_big":
      return isCustom(issue.message)
        ? `${issue.message}${foundText}`
        : sizeProblem(issue, found, vocabulary);
    case "invalid_union": {
      if (isCustom(issue.message)) return `${issue.message}${foundText}`;
      const phrases = [...new Set(issue.errors.flatMap((branch) => expectedTypes(branch)))].map(
        (expected) => expectedPhrase(expected, vocabulary),
      );
      return `expected ${joinAlternatives(phrases)}${foundText}`;
    }
    case "custom":
      return `${issue.message}${foundText}`;
    default:
      return issue.message;
  }
}

interface Context {
  readonly root: z.ZodType;
  readonly input: unknown;
  readonly vocabulary: Vocabulary;
  readonly options: DescribeOptions;
}

function describeOne(issue: Issue, context: Context): IssueProblem[] {
  const { vocabulary, input } = context;
  const path = issue.path;
  const found = valueAt(input, path);

  if (issue.code === "unrecognized_keys") {
    const known = objectKeysAt(context.root, path);
    return issue.keys.map((key) => {
      let message = `unknown ${vocabulary.key} ${JSON.stringify(key)}`;
      const suggestion = didYouMean(key, known);
      if (vocabulary.yaml && key === "<<") {
        message = `YAML merge keys ("<<") are not supported; use "defaults", or an alias (*name) for a whole value`;
      } else if (suggestion !== "") {
        message += suggestion;
      } else if (known.length > 0) {
        message += ` (expected one of ${known.join(", ")})`;
      }
      return { path: [...path, key], message, anchor: "key" as const };
    });
  }

  if (issue.code === "invalid_key") {
    const key = path[path.length - 1];
    const parentPath = path.slice(0, -1);
    const record = recordAt(context.root, parentPath);
    const label =
      (record && context.options.keyLabels?.get(record.keyType)) ?? `${vocabulary.key} name`;
    const reasons = issue.issues.map((inner) =>
      valueMessage({ ...inner, path: [] } as Issue, key, { ...context, root: z.unknown() }, false),
    );
    const problems: IssueProblem[] = [
      {
        path,
        message: `invalid ${label} ${describeFound(String(key), vocabulary)}: ${reasons.join("; ")}`,
        anchor: "key",
      },
    ];
    // zod skips the value of a rejected key; check it too so every problem shows at once.
    if (record && found !== undefined) {
      const result = record.valueType.safeParse(found);
      if (!result.success) {
        for (const inner of result.error.issues) {
          problems.push(...describeOne({ ...inner, path: [...path, ...inner.path] }, context));
        }
      }
    }
    return problems;
  }

  if (issue.code === "invalid_union") {
    // A branch that accepted the value's type but failed a finer check says more than a
    // list of the types the union allows.
    const shaped = issue.errors.find((branch) => branch.length > 0 && !isTypeMismatch(branch));
    if (shaped) {
      return shaped.flatMap((inner) =>
        describeOne({ ...inner, path: [...path, ...inner.path] } as Issue, context),
      );
    }
  }

  const parent = valueAt(input, path.slice(0, -1));
  const absent =
    path.length > 0 &&
    isRecord(parent) &&
    !Object.hasOwn(parent, path[path.length - 1] as PropertyKey);
  if (absent && issue.code !== "custom") {
    const field = path[path.length - 1];
    return [
      {
        path: path.slice(0, -1),
        message: `missing required ${vocabulary.key} ${JSON.stringify(String(field))}`,
        anchor: "key",
      },
    ];
  }

  const hint = context.options.hint?.(path, found) ?? "";
  return [{ path, message: `${valueMessage(issue, found, context)}${hint}`, anchor: "value" }];
}

/** Every problem zod found in `input`, described against `schema`, in zod's order. */
export function describeIssues(
  schema: z.ZodType,
  issues: readonly Issue[],
  input: unknown,
  options: DescribeOptions = {},
): IssueProblem[] {
  const context: Context = {
    root: schema,
    input,
    vocabulary: options.vocabulary ?? JSON_VOCABULARY,
    options,
  };
  return issues.flatMap((issue) => describeOne(issue, context));
}
