import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { issueText } from "../../core/util/zod-issues";

/** Everything the connector can be told. File keys and env names are in connector/README.md. */
export const ConnectorConfigSchema = z
  .strictObject({
    /** The connector socket URL, e.g. wss://edgetrader.example.com/api/v1/connector/ws */
    url: z.string().regex(/^wss?:\/\//, "url must start with ws:// or wss://"),
    token: z.string().min(8, "token missing (create one under Settings > Connectors)"),
    broker: z.enum(["mt5", "paper"]).default("mt5"),
    mt5BridgePort: z.number().int().min(0).max(65535).default(5555),
    journalDir: z.string().min(1).default(join(homedir(), ".edgetrader-connector")),
    heartbeatMs: z.number().int().positive().default(15_000),
    statusMs: z.number().int().positive().default(30_000),
    backoffBaseMs: z.number().int().positive().default(1000),
    backoffCapMs: z.number().int().positive().default(30_000),
    stableMs: z.number().int().positive().default(30_000),
    eaWaitMs: z.number().int().nonnegative().default(10_000),
    eaPingMs: z.number().int().positive().default(5000),
    requestTimeoutMs: z.number().int().positive().default(30_000),
    retryDelayMs: z.number().int().positive().default(1000),
    paperTickMs: z.number().int().positive().default(1000),
    /** MT5: the shared secret the EA's hello must carry (its InpSecret input). */
    eaSecret: z
      .string()
      .min(16, "eaSecret: at least 16 characters (the same value as the EA's InpSecret)")
      .max(256)
      .optional(),
    /** MT5: the only account this connector trades (ACCOUNT_LOGIN and ACCOUNT_SERVER as the terminal shows them). */
    mt5Login: z
      .string()
      .regex(/^\d{1,20}$/, "mt5Login: the account number")
      .optional(),
    mt5Server: z.string().min(1).max(128).optional(),
    /** How long an in-doubt order is looked for in the terminal's lists before it counts as not executed (lists lag after OrderSend). */
    lookupSettleMs: z.number().int().nonnegative().default(3000),
    eaHelloTimeoutMs: z.number().int().positive().default(5000),
  })
  .superRefine((c, ctx) => {
    if (c.broker !== "mt5") return;
    for (const key of ["eaSecret", "mt5Login", "mt5Server"] as const) {
      if (c[key] === undefined)
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `${key} is required with broker mt5 (see connector/README.md)`,
        });
    }
  });
export type ConnectorConfig = z.infer<typeof ConnectorConfigSchema>;

const ENV: Record<string, keyof ConnectorConfig> = {
  EDGETRADER_URL: "url",
  EDGETRADER_CONNECTOR_TOKEN: "token",
  BROKER: "broker",
  MT5_BRIDGE_PORT: "mt5BridgePort",
  JOURNAL_DIR: "journalDir",
  EA_SECRET: "eaSecret",
  MT5_LOGIN: "mt5Login",
  MT5_SERVER: "mt5Server",
};
const NUMERIC = new Set<keyof ConnectorConfig>(["mt5BridgePort"]);

/** Defaults < config file < environment. */
export function loadConfig(env: NodeJS.ProcessEnv, configPath?: string): ConnectorConfig {
  let fromFile: Record<string, unknown> = {};
  if (configPath) {
    const text = readFileSync(configPath, "utf8");
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`${configPath} is not valid JSON`);
    }
  }
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [name, key] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== "") merged[key] = NUMERIC.has(key) ? Number(v) : v;
  }
  const parsed = ConnectorConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw new Error(`configuration: ${issueText(parsed.error, "config")}`);
  }
  return { ...parsed.data, journalDir: resolve(parsed.data.journalDir) };
}

export const HELP = `edgetrader-connector: bridges your MetaTrader 5 terminal (or a paper account) to edgetrader.

Usage: edgetrader-connector [--config connector.json] [--help] [--version]

Settings (config file key / environment variable):
  url            EDGETRADER_URL              connector socket, wss://<host>/api/v1/connector/ws
  token          EDGETRADER_CONNECTOR_TOKEN  connector token (Settings > Connectors; shown once)
  broker         BROKER                      mt5 (default) or paper
  mt5BridgePort  MT5_BRIDGE_PORT             local port the EdgetraderBridge EA connects to (5555)
  journalDir     JOURNAL_DIR                 where the journal lives (~/.edgetrader-connector)
  eaSecret       EA_SECRET                   mt5: shared secret, the same as the EA's InpSecret (16+ chars)
  mt5Login       MT5_LOGIN                   mt5: the account number this connector trades (others are refused)
  mt5Server      MT5_SERVER                  mt5: that account's trade server name, as the terminal shows it
  heartbeatMs, statusMs, backoffBaseMs, backoffCapMs, stableMs, eaWaitMs, eaPingMs,
  requestTimeoutMs, retryDelayMs, paperTickMs, lookupSettleMs, eaHelloTimeoutMs  (file only; see connector/README.md)

Environment overrides the file. Exit codes: 0 stopped, 1 bad configuration, 2 token refused.`;
