// Finds the zod schema that governs a path inside a document, so an error message can list
// the keys an object accepts or name the kind of key a record expects.
import { z } from "zod";

/** Strips the wrappers that do not change a value's shape: optional, nullable, default, pipes. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

/** Whether the schema accepts null, looking through optional and default wrappers. */
export function acceptsNull(schema: z.ZodType | undefined): boolean {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodNullable) return true;
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault
    ) {
      current = current.unwrap() as z.ZodType;
    } else {
      return false;
    }
  }
}

/** The alternatives a schema offers: a union's options, or the schema itself. */
function alternatives(schema: z.ZodType): z.ZodType[] {
  const bare = unwrapSchema(schema);
  if (bare instanceof z.ZodUnion) {
    return (bare.options as readonly z.ZodType[]).flatMap((option) => alternatives(option));
  }
  return [bare];
}

function child(schema: z.ZodType, key: PropertyKey): z.ZodType | undefined {
  for (const option of alternatives(schema)) {
    if (option instanceof z.ZodObject && typeof key === "string") {
      const shape = option.shape as Record<string, z.ZodType>;
      if (Object.hasOwn(shape, key)) return shape[key];
    } else if (option instanceof z.ZodRecord && typeof key === "string") {
      return option.valueType as z.ZodType;
    } else if (option instanceof z.ZodArray && typeof key === "number") {
      return option.element as z.ZodType;
    }
  }
  return undefined;
}

/** The schema at `path` below `root`, or undefined when the path leaves the schema. */
export function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = root;
  for (const key of path) {
    if (current === undefined) return undefined;
    current = child(current, key);
  }
  return current;
}

/** The keys the object at `path` accepts, in schema order; empty when it is not an object. */
export function objectKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(root, path);
  if (schema === undefined) return [];
  for (const option of alternatives(schema)) {
    if (option instanceof z.ZodObject) return Object.keys(option.shape as object);
  }
  return [];
}

/** The key and value schemas of the record at `path`, if it is one. */
export function recordAt(
  root: z.ZodType,
  path: readonly PropertyKey[],
): { keyType: z.ZodType; valueType: z.ZodType } | undefined {
  const schema = schemaAt(root, path);
  if (schema === undefined) return undefined;
  for (const option of alternatives(schema)) {
    if (option instanceof z.ZodRecord) {
      return { keyType: option.keyType as z.ZodType, valueType: option.valueType as z.ZodType };
    }
  }
  return undefined;
}
