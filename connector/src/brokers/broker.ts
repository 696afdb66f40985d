import type { Bar } from "../../../core/market/bar";
import type { Timeframe } from "../../../core/market/timeframes";
import type { AccountInfo, BrokerKind, TerminalInfo } from "../../../core/protocol/connector";

/** What every broker adapter can do; prices are the broker's, tickets decimal strings. */
export interface OpenOrder {
  client_order_id: string;
  symbol: string;
  side: "BUY" | "SELL";
  volume: number;
  sl: number | null;
  tp: number | null;
  /** Local epoch ms after which the terminal must not send it (MT5: the EA answers "expired"). */
  deadline?: number;
}
export interface OpenFill {
  ticket: string;
  price: number;
  volume: number;
  time: number;
}
export interface CloseFill {
  price: number;
  volume: number;
  time: number;
}
/** A position as the broker reports it, before the connector attaches client ids. */
export interface RawPosition {
  ticket: string;
  /** MT5 POSITION_IDENTIFIER (what deals name) when it differs from the ticket. */
  identifier?: string;
  symbol: string;
  side: "BUY" | "SELL";
  volume: number;
  open_price: number;
  current_price?: number;
  sl: number | null;
  tp: number | null;
  profit: number;
  swap?: number;
  opened_at: number;
  magic: number;
  comment: string;
}
export interface RawDeal {
  ticket: string;
  order?: string;
  position_ticket: string;
  symbol: string;
  side: "BUY" | "SELL";
  entry: "in" | "out" | "inout" | "out_by";
  volume: number;
  price: number;
  profit: number;
  time: number;
  magic: number;
  comment: string;
}
/** An active (unfilled) order: a market order answered PLACED waits here until it is filled. */
export interface RawOrder {
  ticket: string;
  symbol: string;
  side: "BUY" | "SELL";
  volume: number;
  magic: number;
  comment: string;
}
export interface HistoryFilter {
  from: number;
  client_order_id?: string;
  position_ticket?: string;
}

export interface Broker {
  readonly kind: BrokerKind;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Terminal reachable and connected to its trade server. */
  isConnected(): boolean;
  terminal(): TerminalInfo | null;
  open(order: OpenOrder): Promise<OpenFill>;
  /** volume absent: close it all. deadline as in OpenOrder. */
  close(ticket: string, clientOrderId: string, volume?: number, deadline?: number): Promise<CloseFill>;
  /** sl/tp: a price sets, null removes, undefined keeps. Answers the levels the broker now holds. */
  modify(
    ticket: string,
    sl: number | null | undefined,
    tp: number | null | undefined,
    deadline?: number,
  ): Promise<{ sl: number | null; tp: number | null }>;
  positions(): Promise<RawPosition[]>;
  /** positions() with the count of items that could not be read (left out of the list). */
  positionsWithGaps?(): Promise<{ positions: RawPosition[]; unreadable: number }>;
  /** Called with true when the terminal becomes able to report (connected+synced), false when it stops. */
  onReadyChanged?(listener: (ready: boolean) => void): () => void;
  /** Active orders (brokers where an order can be accepted before it fills). */
  orders?(): Promise<RawOrder[]>;
  history(filter: HistoryFilter): Promise<RawDeal[]>;
  account(): Promise<AccountInfo>;
  /**
   * Called with the full position list whenever it changes (including positions opened by hand),
   * only while the list can be trusted (MT5: connected and synced). unreadable: items the
   * connector could not read (left out, reported; the list then proves no close).
   */
  onPositionsChanged(listener: (positions: RawPosition[], unreadable: number) => void): () => void;
  /** Bars, for brokers with a market feed (MT5): the last `count` closed bars, oldest first. */
  rates?(symbol: string, timeframe: Timeframe, count: number): Promise<Bar[]>;
  /** Ask for bar_closed pushes of symbol/timeframe (kept across terminal reconnects). */
  subscribeBars?(symbol: string, timeframe: Timeframe): void;
  onBarClosed?(listener: (symbol: string, timeframe: Timeframe, bar: Bar) => void): () => void;
  /** Shows `text` to the person at the terminal (MT5: on the chart, with an Alert); "" clears it. */
  notice?(text: string): void;
}

export type BrokerErrorCode = "terminal_unavailable" | "rejected" | "not_found" | "invalid" | "expired" | "internal";

/**
 * `uncertain`: the request may have reached the broker and its outcome is unknown (timeout, link
 * dropped after sending). The executor must look at the broker before trying again.
 */
export class BrokerError extends Error {
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    readonly uncertain = false,
    readonly brokerCode?: string,
  ) {
    super(message);
    this.name = "BrokerError";
  }
}
