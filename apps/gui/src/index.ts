// @runyard/gui — Runyard's local web GUI: a loopback HTTP server and the page it serves.

export { type RunRow, type RunsResponse, runsResponse, toRow } from "./runs-api.js";
export { type GuiServer, type GuiServerOptions, startGuiServer } from "./server.js";
