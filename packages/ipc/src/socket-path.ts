// Unix socket paths are limited by sun_path: 108 bytes on Linux (104 on macOS and the BSDs),
// including the terminating NUL. Deep runs roots overflow it, so the path is checked up front
// and the error names the path instead of failing later with a cryptic EINVAL.
import { SocketPathTooLongError } from "./errors.js";

export const MAX_SOCKET_PATH_BYTES = process.platform === "linux" ? 107 : 103;

/** Throws SocketPathTooLongError when `path` cannot be bound or connected to. */
export function checkSocketPath(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES)
    throw new SocketPathTooLongError(path, bytes, MAX_SOCKET_PATH_BYTES);
}
