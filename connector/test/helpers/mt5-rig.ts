import { join } from "node:path";
import { SIM_BRIDGE_SETTINGS, SimTerminal, type SimTerminalOptions } from "../../src/sim-terminal";
import { ChildConnector, freePort } from "./child-connector";
import { FakeObject } from "./fake-object";

export interface Mt5Rig {
  obj: FakeObject;
  child: ChildConnector;
  sim: SimTerminal;
  /** Kills the connector process and stops the terminal and the fake object. */
  stop(): Promise<void>;
}

/**
 * The fault-injection setup shared by the crash and chaos tests: a FakeObject on a free port, the
 * bundled connector as a killable child process (MT5 broker, short back-offs) and a SimTerminal
 * on its bridge port. Nothing is started yet; callers start the child and terminal themselves.
 */
export async function mt5Rig(
  bundle: string,
  dir: string,
  opts: {
    requestTimeoutMs: number;
    reconnectMs: number;
    heartbeatMs?: number;
    lookupSettleMs?: number;
    sim?: Partial<SimTerminalOptions>;
  },
): Promise<Mt5Rig> {
  const obj = new FakeObject();
  const wsPort = await obj.start();
  const bridgePort = await freePort();
  const child = new ChildConnector(bundle, dir, {
    url: `ws://127.0.0.1:${wsPort}/api/v1/connector/ws`,
    token: obj.token,
    broker: "mt5",
    mt5BridgePort: bridgePort,
    ...SIM_BRIDGE_SETTINGS,
    journalDir: join(dir, "journal"),
    backoffBaseMs: 20,
    backoffCapMs: 200,
    retryDelayMs: 50,
    eaWaitMs: 5000,
    requestTimeoutMs: opts.requestTimeoutMs,
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.lookupSettleMs !== undefined ? { lookupSettleMs: opts.lookupSettleMs } : {}),
  });
  const sim = new SimTerminal({ port: bridgePort, reconnectMs: opts.reconnectMs, ...opts.sim });
  return {
    obj,
    child,
    sim,
    async stop() {
      await child.kill();
      sim.stop();
      await obj.stop();
    },
  };
}
