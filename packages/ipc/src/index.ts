// @runyard/ipc — ipc.sock: the executor's Unix-socket server and the client that the CLI, the
// GUI and integrators use to follow a live run. The client alone: `@runyard/ipc/client`.
export * from "./client-entry.js";
export { SocketInUseError, TimelineDamagedError } from "./errors.js";
export { createIpcServer } from "./server.js";
export type {
  CancelRequest,
  IpcServer,
  IpcServerHandlers,
  IpcServerOptions,
  IpcSnapshot,
  StepAnswer,
} from "./server-types.js";
