// @runyard/ipc/client — just the client, for integrators who follow runs but never serve one.
export { ProtocolVersionError } from "@runyard/protocol";
export type { CancelAnswer, CancelRefusalCode } from "./cancel-answers.js";
export {
  type CancelOptions,
  connectRun,
  createIpcClient,
  type IpcClient,
  type IpcClientOptions,
  type SubscribeOptions,
  type WelcomeMessage,
} from "./client.js";
export {
  IpcConnectError,
  IpcProtocolError,
  NoExecutorError,
  OtherHostError,
  RunMetaError,
  SocketPathTooLongError,
} from "./errors.js";
export {
  type FollowRunOptions,
  followRun,
  type ReconnectOptions,
  type RetryInfo,
  type RunFollower,
} from "./follow-run.js";
export {
  MAX_RUN_META_BYTES,
  type RunTransportOptions,
  readRunMeta,
  runTransport,
} from "./run-transport.js";
export { checkSocketPath, MAX_SOCKET_PATH_BYTES } from "./socket-path.js";
export {
  BRIDGE_NO_EXECUTOR_STATUS,
  REMOTE_CLI_ENV,
  SSH_COMMAND_ENV,
  type SshTransportOptions,
  sshTransport,
} from "./ssh-transport.js";
export { type IpcTransport, socketTransport } from "./transport.js";
