/**
 * Call at the top level of a test file (or a helper module it imports). Returns a factory
 * that makes a fresh temp directory named `<prefix>XXXXXX` and returns its path; every
 * directory made during a test is removed after that test.
 */
export declare function useScratchDirectory(prefix: string): () => string;
