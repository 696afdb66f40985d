// Worker thread of bench/fanout.ts: opens `count` browser sockets to the object and reports each
// STATUS_UPDATE receipt as (seq, epoch ms taken the moment the frame is delivered). Plain JS so
// worker_threads can load it without tsx.
import { parentPort, workerData } from "node:worker_threads";
import WebSocket from "ws";

const { url, count, deflate } = workerData;
const now = () => performance.timeOrigin + performance.now();
const pending = [];
let opened = 0;
const flush = () => {
  if (pending.length > 0) parentPort.postMessage({ type: "arrivals", list: pending.splice(0) });
};
for (let i = 0; i < count; i++) {
  const ws = new WebSocket(url, { perMessageDeflate: deflate });
  ws.on("message", (raw) => {
    const t = now();
    const f = JSON.parse(raw.toString());
    if (f.type !== "STATUS_UPDATE" || f.seq === undefined) return;
    pending.push(f.seq, t);
  });
  ws.once("open", () => {
    if (++opened === count) parentPort.postMessage({ type: "open", extensions: ws.extensions });
  });
  ws.once("error", (e) => parentPort.postMessage({ type: "error", message: String(e) }));
}
setInterval(flush, 2);
parentPort.on("message", (m) => {
  if (m === "close") process.exit(0);
});
