// The local Delta server as a process (`npm start`, the e2e and browser tests): BTCUSD and ETHUSD from
// the real hourly files, each file candle replayed as one 15m candle so 15m, 1h and 4h all exist.
// Prints one line `delta-sim listening <url>` once it accepts connections; stops on SIGTERM/SIGINT.
// Flags: --port N (default: a free one), --speed S (sim clock rate, default 60: a 15m candle every 15 s).
import { parseArgs } from "node:util";
import { loadMarket } from "./markets";
import { startDeltaSim } from "./server";

const { values } = parseArgs({
  options: { port: { type: "string", default: "0" }, speed: { type: "string", default: "60" } },
});
const sim = await startDeltaSim({
  markets: [loadMarket("BTCUSD"), loadMarket("ETHUSD")],
  base: "15m",
  speed: Number(values.speed),
  history: 6000,
  port: Number(values.port),
});
console.log(`delta-sim listening ${sim.url}`);
const stop = () => void sim.close().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
