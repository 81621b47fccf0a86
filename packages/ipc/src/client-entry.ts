// @runyard/ipc/client — just the client, for integrators who follow runs but never serve one.
export {
  createIpcClient,
  type IpcClient,
  type IpcClientOptions,
  type SubscribeOptions,
  type WelcomeMessage,
} from "./client.js";
export { IpcConnectError, IpcProtocolError, SocketPathTooLongError } from "./errors.js";
export { checkSocketPath, MAX_SOCKET_PATH_BYTES } from "./socket-path.js";
