// The words problem messages are made of: how a document's values and zod's types are named,
// in JSON's terms ("an object", "an array") or YAML's ("a mapping", "a list").

/** The words a message uses for the document's kinds of values. */
export interface Vocabulary {
  readonly key: string;
  readonly object: string;
  readonly array: string;
  readonly null: string;
  readonly yaml: boolean;
}

export const JSON_VOCABULARY: Vocabulary = {
  key: "field",
  object: "an object",
  array: "an array",
  null: "null",
  yaml: false,
};

export const YAML_VOCABULARY: Vocabulary = {
  key: "key",
  object: "a mapping",
  array: "a list",
  null: "an empty value",
  yaml: true,
};

/** The value at `path` inside `input`, or undefined when the path does not exist. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** `"abc"`, `the number 5`, `a list`… — what the document holds, in the document's words. */
export function describeFound(value: unknown, vocabulary: Vocabulary = JSON_VOCABULARY): string {
  if (value === undefined) return "nothing";
  if (value === null) return vocabulary.null;
  if (typeof value === "string") {
    if (value === "") return "an empty string";
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (Array.isArray(value)) return vocabulary.array;
  if (typeof value === "object") return vocabulary.object;
  return `the ${typeof value} ${String(value)}`;
}

/** How a message names a zod type: "a string", "an integer", "a mapping"… */
export function expectedPhrase(expected: string, vocabulary: Vocabulary): string {
  switch (expected) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "int":
      return "an integer";
    case "boolean":
      return "a boolean";
    case "object":
    case "record":
      return vocabulary.object;
    case "array":
      return vocabulary.array;
    case "null":
      return "null";
    default:
      return `a value of type ${expected}`;
  }
}

/** `a`, `a or b`, `a, b or c`. */
export function joinAlternatives(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? "";
  return `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}
