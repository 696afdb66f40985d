// One user's real connector set-up against a running platform: connector token from the API, the
// simulated MT5 terminal, the real connector process (the single-file build, SIGKILL-able) reaching
// the Worker through a cuttable TCP proxy (or directly, with `proxy: false`: the round-trip bench),
// and a browser-like socket on /ws.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SIM_BRIDGE_SETTINGS, SimTerminal, type SimTerminalOptions } from "../../connector/src/sim-terminal";
import { buildBundle, ChildConnector, freePort } from "../../connector/test/helpers/child-connector";
import { Api, BrowserClient, until } from "./platform";
import { TcpProxy } from "./tcp-proxy";

export interface Rig {
  api: Api;
  userId: string;
  token: { id: string; token: string };
  sim: SimTerminal;
  connector: ChildConnector;
  /** Null when started with `proxy: false` (the connector then dials the Worker directly). */
  proxy: TcpProxy | null;
  browser: BrowserClient;
  dir: string;
  stop: () => Promise<void>;
}

export type ConnectorStatus = { online: boolean; terminal_connected: boolean; pending_commands: number };

/** Connector timings short enough for tests (heartbeats, backoff, EA waits); one set for every test connector. */
export const FAST_CONNECTOR_TIMINGS = {
  heartbeatMs: 2000,
  statusMs: 2000,
  backoffBaseMs: 50,
  backoffCapMs: 400,
  stableMs: 5000,
  eaWaitMs: 10_000,
  eaPingMs: 2000,
  requestTimeoutMs: 5000,
  retryDelayMs: 200,
};

export async function startRig(
  base: string,
  opts: {
    bundleDir?: string;
    bundle?: string;
    proxy?: boolean;
    sim?: Partial<SimTerminalOptions>;
    /** A signed-in user (e.g. one who signed up in the browser); default: a new user registered here. */
    user?: { api: Api; userId: string };
  } = {},
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), "edgetrader-rig-"));
  const { api, userId } = opts.user ?? (await registerUser(base));
  const created = await api.call<{ id: string; token: string }>("POST", "/connectors", { name: "e2e host" });
  if (created.status !== 201) throw new Error(`token: ${created.status}`);
  const bridgePort = await freePort();
  const sim = new SimTerminal({ port: bridgePort, reconnectMs: 100, accountPushMs: 1000, ...opts.sim });
  sim.start();
  const proxy = opts.proxy === false ? null : new TcpProxy(Number(new URL(base).port));
  const connectorPort = proxy ? await proxy.start() : Number(new URL(base).port);
  const bundle = opts.bundle ?? buildBundle(opts.bundleDir ?? dir);
  const connector = new ChildConnector(bundle, dir, {
    url: `ws://127.0.0.1:${connectorPort}/api/v1/connector/ws`,
    token: created.body.token,
    broker: "mt5",
    mt5BridgePort: bridgePort,
    ...SIM_BRIDGE_SETTINGS,
    journalDir: join(dir, "journal"),
    ...FAST_CONNECTOR_TIMINGS,
  });
  connector.start();
  const browser = await BrowserClient.open(base, api.token);
  await waitOnline(api);
  return {
    api,
    userId,
    token: created.body,
    sim,
    connector,
    proxy,
    browser,
    dir,
    stop: async () => {
      browser.close();
      await connector.kill();
      sim.stop();
      await proxy?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function registerUser(base: string): Promise<{ api: Api; userId: string }> {
  const api = new Api(base);
  const { userId } = await api.register();
  return { api, userId };
}

/** Another terminal (its own simulated MT5 and connector process) on an account the rig already connected. */
export interface ExtraTerminal {
  sim: SimTerminal;
  connector: ChildConnector;
  /** How many times its connector logged the server's refusal so far. */
  refusals: () => number;
  stop: () => Promise<void>;
}

/** A second terminal (login/server unlike the rig's) whose connector dials the platform directly with `token`. */
export async function startExtraTerminal(
  base: string,
  token: string,
  terminal: { login: string; server: string } = { login: "7000002", server: "Other-Broker-Live" },
): Promise<ExtraTerminal> {
  const dir = mkdtempSync(join(tmpdir(), "edgetrader-second-terminal-"));
  const bridgePort = await freePort();
  const sim = new SimTerminal({ port: bridgePort, reconnectMs: 100, accountPushMs: 1000, ...terminal });
  sim.start();
  const connector = new ChildConnector(buildBundle(dir), dir, {
    url: `ws://127.0.0.1:${new URL(base).port}/api/v1/connector/ws`,
    token,
    broker: "mt5",
    mt5BridgePort: bridgePort,
    eaSecret: SIM_BRIDGE_SETTINGS.eaSecret,
    mt5Login: terminal.login,
    mt5Server: terminal.server,
    journalDir: join(dir, "journal"),
    ...FAST_CONNECTOR_TIMINGS,
  });
  connector.start();
  return {
    sim,
    connector,
    refusals: () => (connector.output.match(/REFUSED BY THE SERVER/g) ?? []).length,
    stop: async () => {
      await connector.kill();
      sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function waitOnline(api: Api, timeoutMs = 30_000): Promise<ConnectorStatus> {
  return until(
    () => api.call<ConnectorStatus>("GET", "/connector/status").then((r) => r.body),
    (s: ConnectorStatus) => s.online && s.terminal_connected,
    timeoutMs,
    "connector online with terminal",
  );
}
