/** The uid a root test process drops to. */
export declare const NOBODY: number;
/**
 * Runs `body` with the effective uid of `nobody` when the process is root (so permissions
 * apply), else just runs it.
 */
export declare function withoutPrivileges<T>(body: () => Promise<T>): Promise<T>;
