import { z } from "zod";
import { type Timeframe, TimeframeSchema } from "./timeframes";

/**
 * Delta Exchange public WebSocket messages (docs: "Websocket Feed" in Delta's API reference, the
 * slate documentation repository `source/includes/_websocket_api.md`; ccxt's `pro/delta.ts` reads
 * the same shapes). Shared by the market object (client) and the local Delta server (server).
 * Hosts: wss://socket.india.delta.exchange (India) and wss://socket.delta.exchange (global); the
 * two exchanges list different products, so REST and socket host must be the same pair.
 */
export const DELTA_SOCKET_URLS = {
  global: "wss://socket.delta.exchange",
  india: "wss://socket.india.delta.exchange",
} as const;

/** Heartbeats every 30 s once enabled; the docs tell clients to reconnect after 35 s without one. */
export const DELTA_HEARTBEAT_TIMEOUT_MS = 35_000;

const num = z.union([
  z.number().finite(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/)
    .transform(Number),
]);
const micros = z.number().int().nonnegative();

export const DeltaChannelSchema = z.object({
  name: z.string().min(1).max(64),
  symbols: z.array(z.string().min(1).max(64)).max(100).optional(),
});
export const DeltaSubscribeSchema = z.object({
  type: z.enum(["subscribe", "unsubscribe"]),
  payload: z.object({ channels: z.array(DeltaChannelSchema).min(1).max(20) }),
});
export type DeltaSubscribe = z.infer<typeof DeltaSubscribeSchema>;

/** Client control frames: heartbeat on/off and the raw ping. */
export const DeltaClientControlSchema = z.object({ type: z.enum(["enable_heartbeat", "disable_heartbeat", "ping"]) });
export const DeltaClientFrameSchema = z.union([DeltaSubscribeSchema, DeltaClientControlSchema]);
export type DeltaClientFrame = z.infer<typeof DeltaClientFrameSchema>;

export const DeltaSubscriptionsSchema = z.object({
  type: z.literal("subscriptions"),
  channels: z.array(
    z.object({ name: z.string(), symbols: z.array(z.string()).optional(), error: z.string().optional() }),
  ),
});

/**
 * `candlestick_${resolution}`: the latest state of the candle that starts at candle_start_time
 * (MICROseconds), sent on every update; the docs' sample:
 * {"candle_start_time":1596015240000000,"close":9223,"high":9228,"low":9220,"open":9221,
 *  "resolution":"1m","symbol":"BTCUSDT","timestamp":1596015289339699,"type":"candlestick_1m","volume":1.2}
 */
export const DeltaCandlestickSchema = z.object({
  type: z.string().regex(/^candlestick_[0-9a-z]+$/),
  symbol: z.string().min(1),
  resolution: z.string().min(1),
  candle_start_time: micros,
  open: num,
  high: num,
  low: num,
  close: num,
  volume: num.nullish(),
  timestamp: micros,
});
export type DeltaCandlestick = z.infer<typeof DeltaCandlestickSchema>;

/** `v2/ticker`: 24 h rolling stats, published every 5 s (timestamp in microseconds). */
export const DeltaTickerSchema = z.object({
  type: z.literal("v2/ticker"),
  symbol: z.string().min(1),
  close: num,
  mark_price: num.optional(),
  open: num.optional(),
  high: num.optional(),
  low: num.optional(),
  timestamp: micros,
});
export type DeltaTicker = z.infer<typeof DeltaTickerSchema>;

export const DeltaHeartbeatSchema = z.object({ type: z.enum(["heartbeat", "pong"]) });

/** Everything the market object reads from the socket; anything else (announcements, ...) is ignored, not an error. */
export const DeltaServerFrameSchema = z.union([
  DeltaCandlestickSchema,
  DeltaTickerSchema,
  DeltaHeartbeatSchema,
  DeltaSubscriptionsSchema,
]);
export type DeltaServerFrame = z.infer<typeof DeltaServerFrameSchema>;

/** Delta's resolution strings are our timeframe names (1m 5m 15m 30m 1h 2h 4h 1d are all in its list). */
export function candleChannel(tf: Timeframe): string {
  return `candlestick_${tf}`;
}

export function channelTimeframe(channel: string): Timeframe | undefined {
  const r = TimeframeSchema.safeParse(channel.replace(/^candlestick_/, ""));
  return r.success ? r.data : undefined;
}

export function subscribeFrame(symbol: string, tf: Timeframe): DeltaSubscribe {
  return {
    type: "subscribe",
    payload: {
      channels: [
        { name: candleChannel(tf), symbols: [symbol] },
        { name: "v2/ticker", symbols: [symbol] },
      ],
    },
  };
}

/** Parses one text frame: the frame, or "ignored" (valid JSON of a type we do not use), or "malformed". */
export function parseServerFrame(
  text: string,
): { kind: "frame"; frame: DeltaServerFrame } | { kind: "ignored" } | { kind: "malformed"; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "malformed", message: `not JSON: ${text.slice(0, 60)}` };
  }
  const type = typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
  if (typeof type !== "string") return { kind: "malformed", message: "frame without a type" };
  const known =
    type.startsWith("candlestick_") ||
    type === "v2/ticker" ||
    type === "heartbeat" ||
    type === "pong" ||
    type === "subscriptions";
  if (!known) return { kind: "ignored" };
  const r = DeltaServerFrameSchema.safeParse(json);
  if (!r.success)
    return {
      kind: "malformed",
      message: `${type}: ${r.error.issues[0]?.path.join(".")} ${r.error.issues[0]?.message}`,
    };
  return { kind: "frame", frame: r.data };
}
