// @runyard/gui — Runyard's local web GUI: the server, its typed HTTP API (the request and
// response schemas a client types against) and the page it serves.

export * from "./api-schemas.js";
export { GUI_API_JSON_SCHEMAS } from "./json-schemas.js";
export { runsResponse, toRow } from "./runs-api.js";
export {
  type GuiServer,
  type GuiServerOptions,
  isLoopbackBind,
  startGuiServer,
} from "./server.js";
