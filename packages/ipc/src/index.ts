// @runyard/ipc — ipc.sock: the executor's Unix-socket server and the client that the CLI, the
// GUI and integrators use to follow a live run. The client alone: `@runyard/ipc/client`.
export {
  createIpcClient,
  type IpcClient,
  type IpcClientOptions,
  type SubscribeOptions,
  type WelcomeMessage,
} from "./client.js";
export {
  IpcConnectError,
  IpcProtocolError,
  SocketInUseError,
  SocketPathTooLongError,
} from "./errors.js";
export { negotiateVersion } from "./negotiate.js";
export { createIpcServer } from "./server.js";
export type {
  CancelRequest,
  IpcServer,
  IpcServerHandlers,
  IpcServerOptions,
  IpcSnapshot,
} from "./server-types.js";
export { checkSocketPath, MAX_SOCKET_PATH_BYTES } from "./socket-path.js";
