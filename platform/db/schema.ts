// D1 schema (drizzle). One row per durable fact; every user-owned table carries user_id so that
// every query can (and must) filter by the verified subject.
import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { TradeLeg } from "../../core/protocol/events";

const now = sql`(unixepoch('subsec') * 1000)`;

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ["user", "admin"] })
      .notNull()
      .default("user"),
    // Carried in every access token (`ver`); raising it (password change, sign out everywhere)
    // makes every access token issued before refused by the auth middleware.
    tokenVersion: integer("token_version").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("users_email_uq").on(t.email)],
);

// Per-account login throttle, keyed by the SHA-256 of the normalised email (also for emails with
// no account, so a throttled answer does not reveal which emails exist).
export const loginThrottle = sqliteTable("login_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  lastFailureAt: integer("last_failure_at").notNull(),
  lockedUntil: integer("locked_until").notNull(),
});

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // Rotation family: reuse of a rotated token revokes the whole family.
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at").notNull(),
    rotatedAt: integer("rotated_at"),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("refresh_tokens_hash_uq").on(t.tokenHash), index("refresh_tokens_family_idx").on(t.familyId)],
);

export const connectorTokens = sqliteTable(
  "connector_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    // First characters of the token, shown in lists so a user can tell tokens apart.
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("connector_tokens_hash_uq").on(t.tokenHash), index("connector_tokens_user_idx").on(t.userId)],
);

// A bot is what the API calls an "ML model" (ml/models): symbol, ensemble, strategy, risk, target.
export const bots = sqliteTable(
  "bots",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    symbol: text("symbol").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(false),
    target: text("target", { enum: ["paper", "connector"] })
      .notNull()
      .default("paper"),
    // Validated by the shared bot-config zod schema (ensemble, strategy, risk, cadence).
    config: text("config", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("bots_user_idx").on(t.userId), index("bots_active_idx").on(t.active)],
);

// ONNX artifacts per bot and timeframe; the previous version stays for rollback.
export const modelVersions = sqliteTable(
  "model_versions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    botId: text("bot_id")
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    timeframe: text("timeframe").notNull(),
    version: integer("version").notNull(),
    r2Key: text("r2_key").notNull(),
    featureSchemaHash: text("feature_schema_hash").notNull(),
    card: text("card", { mode: "json" }).notNull(),
    status: text("status", { enum: ["active", "retired", "failed"] })
      .notNull()
      .default("active"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("model_versions_bot_tf_ver_uq").on(t.botId, t.timeframe, t.version)],
);

export const predictions = sqliteTable(
  "predictions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    botId: text("bot_id").notNull(),
    symbol: text("symbol").notNull(),
    timeframe: text("timeframe").notNull(),
    barTime: integer("bar_time").notNull(),
    direction: text("direction", { enum: ["BUY", "SELL", "HOLD"] }).notNull(),
    confidence: real("confidence").notNull(),
    detail: text("detail", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("predictions_user_bot_idx").on(t.userId, t.botId, t.barTime)],
);

export const trades = sqliteTable(
  "trades",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    botId: text("bot_id"),
    // Client order id: travels to the broker and makes every retry idempotent.
    clientOrderId: text("client_order_id").notNull(),
    symbol: text("symbol").notNull(),
    side: text("side", { enum: ["BUY", "SELL"] }).notNull(),
    volume: real("volume").notNull(),
    entryPrice: real("entry_price"),
    exitPrice: real("exit_price"),
    stopLoss: real("stop_loss"),
    takeProfit: real("take_profit"),
    status: text("status", { enum: ["pending", "open", "closed", "rejected", "error", "canceled"] }).notNull(),
    target: text("target", { enum: ["paper", "connector"] }).notNull(),
    brokerTicket: text("broker_ticket"),
    pnl: real("pnl"),
    commission: real("commission").notNull().default(0),
    reason: text("reason"),
    openedAt: integer("opened_at"),
    closedAt: integer("closed_at"),
    createdAt: integer("created_at").notNull().default(now),
    // Closing fills (partial closes, then the last); pnl is their sum. Null before the first.
    legs: text("legs", { mode: "json" }).$type<TradeLeg[]>(),
    // Placed by hand past a blocking gate (max open, cooldown, daily limit).
    override: integer("override", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("trades_client_order_uq").on(t.userId, t.clientOrderId),
    index("trades_user_time_idx").on(t.userId, t.createdAt),
  ],
);

export const positions = sqliteTable(
  "positions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    botId: text("bot_id"),
    tradeId: text("trade_id"),
    symbol: text("symbol").notNull(),
    side: text("side", { enum: ["BUY", "SELL"] }).notNull(),
    volume: real("volume").notNull(),
    entryPrice: real("entry_price").notNull(),
    stopLoss: real("stop_loss"),
    takeProfit: real("take_profit"),
    currentPrice: real("current_price"),
    unrealizedPnl: real("unrealized_pnl").notNull().default(0),
    source: text("source", { enum: ["bot", "manual", "terminal", "duplicate"] }).notNull(),
    brokerTicket: text("broker_ticket"),
    status: text("status", { enum: ["open", "closed"] }).notNull(),
    openedAt: integer("opened_at").notNull(),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("positions_user_status_idx").on(t.userId, t.status)],
);

export const activities = sqliteTable(
  "activities",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // Per-user event sequence number shared with the socket event log.
    seq: integer("seq").notNull(),
    type: text("type").notNull(),
    message: text("message").notNull(),
    data: text("data", { mode: "json" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [uniqueIndex("activities_user_seq_uq").on(t.userId, t.seq), index("activities_expires_idx").on(t.expiresAt)],
);
