// What `runyard rm`'s help and its code both say, in a module of its own: the code imports it
// without importing the table entry that loads the code.

/** How long --force waits for a cancelled run to end, when --wait does not say. */
export const DEFAULT_WAIT = "30s";
