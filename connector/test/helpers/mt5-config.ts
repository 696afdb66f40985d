import { type ConnectorConfig, ConnectorConfigSchema } from "../../src/config";
import { SIM_BRIDGE_SETTINGS } from "../../src/sim-terminal";

/** An in-process connector's settings for tests: MT5 broker pinned to the simulated terminal, short timers. */
export function mt5TestConfig(
  objPort: number,
  token: string,
  journalDir: string,
  extra: Partial<ConnectorConfig> = {},
): ConnectorConfig {
  return ConnectorConfigSchema.parse({
    url: `ws://127.0.0.1:${objPort}/api/v1/connector/ws`,
    token,
    broker: "mt5",
    mt5BridgePort: 0,
    ...SIM_BRIDGE_SETTINGS,
    journalDir,
    heartbeatMs: 200,
    statusMs: 300,
    backoffBaseMs: 20,
    backoffCapMs: 200,
    retryDelayMs: 50,
    eaWaitMs: 3000,
    requestTimeoutMs: 3000,
    lookupSettleMs: 1000,
    ...extra,
  });
}
