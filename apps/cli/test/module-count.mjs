// Loaded with `node --import` by startup.test.ts: counts the ES modules a process loads (through
// a loader hook, which sees every import) and writes their URLs, one a line, to the file
// $RUNYARD_TEST_MODULES_FILE when the process exits.
import { writeFileSync } from "node:fs";
import { register } from "node:module";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";

const hook = `
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, nextLoad) {
  port.postMessage(url);
  return nextLoad(url, context);
}`;
const { port1, port2 } = new MessageChannel();
const urls = [];
port1.on("message", (url) => urls.push(url));
port1.unref();
register(`data:text/javascript,${encodeURIComponent(hook)}`, {
  parentURL: import.meta.url,
  data: { port: port2 },
  transferList: [port2],
});
process.on("exit", () => {
  // Whatever the hook sent that the event loop has not delivered yet.
  for (let message = receiveMessageOnPort(port1); message; message = receiveMessageOnPort(port1))
    urls.push(message.message);
  writeFileSync(process.env.RUNYARD_TEST_MODULES_FILE, urls.map((url) => `${url}\n`).join(""));
});
