/**
 * What an MT5 trade server return code means for the connector (MqlTradeResult.retcode; table:
 * https://www.mql5.com/en/docs/constants/errorswarnings/enum_trade_return_codes). The EA reports
 * the raw code; the decision lives here, where it is tested:
 *  - done:        the request was executed (10009 DONE, 10010 DONE_PARTIAL, 10025 NO_CHANGES);
 *  - retry:       refused before anything executed and worth sending again at once (a requote or a
 *                 moved price): bounded by the caller;
 *  - doubt:       it may have executed: a TIMEOUT (10012), ERROR (10011) or CONNECTION (10031)
 *                 answer mid-request, OrderSend returning false without a code (0), and PLACED
 *                 (10008), which for a market order only says the order was accepted, not filled
 *                 (https://www.mql5.com/en/docs/trading/ordersendasync). Resolved by a broker lookup;
 *  - unavailable: nothing was executed because the terminal may not trade now (Algo Trading off:
 *                 10026/10027): waits like a missing terminal, until the command expires;
 *  - gone:        the position is already closed (10036);
 *  - final:       a rejection: nothing executed, sending it again would fail the same way.
 * An unknown code is "doubt": never guess that an order did not happen.
 */
export type Outcome =
  | { kind: "done" }
  | { kind: "retry" }
  | { kind: "doubt" }
  | { kind: "unavailable" }
  | { kind: "gone" }
  | { kind: "final"; code: "rejected" | "invalid" };

const DONE = new Set([10009, 10010, 10025]);
const RETRY = new Set([
  10004, // REQUOTE
  10020, // PRICE_CHANGED
  10021, // PRICE_OFF: no quotes to process the request
  10024, // TOO_MANY_REQUESTS
  10028, // LOCKED: the request is locked for processing
]);
const DOUBT = new Set([0, 10008, 10011, 10012, 10031, 10039 /* CLOSE_ORDER_EXIST: a close is already in progress */]);
const UNAVAILABLE = new Set([10026, 10027]);
const INVALID = new Set([10013, 10014, 10022, 10035, 10038]);
const REJECTED = new Set([
  10006, 10007, 10015, 10016, 10017, 10018, 10019, 10023, 10029, 10030, 10032, 10033, 10034, 10040, 10041, 10042, 10043,
  10044, 10045, 10046,
]);

export function outcomeOf(retcode: number): Outcome {
  if (DONE.has(retcode)) return { kind: "done" };
  if (RETRY.has(retcode)) return { kind: "retry" };
  if (DOUBT.has(retcode)) return { kind: "doubt" };
  if (UNAVAILABLE.has(retcode)) return { kind: "unavailable" };
  if (retcode === 10036) return { kind: "gone" };
  if (INVALID.has(retcode)) return { kind: "final", code: "invalid" };
  if (REJECTED.has(retcode)) return { kind: "final", code: "rejected" };
  return { kind: "doubt" };
}

/** Short names for log lines and error messages. */
const NAMES: Record<number, string> = {
  0: "no answer (OrderSend returned false)",
  10004: "REQUOTE (requote)",
  10006: "REJECT (request rejected)",
  10007: "CANCEL",
  10008: "PLACED",
  10009: "DONE",
  10010: "DONE_PARTIAL",
  10011: "ERROR",
  10012: "TIMEOUT",
  10013: "INVALID",
  10014: "INVALID_VOLUME (invalid volume)",
  10015: "INVALID_PRICE (invalid price)",
  10016: "INVALID_STOPS (invalid stops)",
  10017: "TRADE_DISABLED",
  10018: "MARKET_CLOSED (market closed)",
  10019: "NO_MONEY (not enough money)",
  10020: "PRICE_CHANGED",
  10021: "PRICE_OFF",
  10024: "TOO_MANY_REQUESTS",
  10025: "NO_CHANGES",
  10026: "SERVER_DISABLES_AT",
  10027: "CLIENT_DISABLES_AT (Algo Trading is off in the terminal)",
  10029: "FROZEN (within the freeze level)",
  10030: "INVALID_FILL (filling mode not allowed)",
  10031: "CONNECTION",
  10036: "POSITION_CLOSED",
};

export function retcodeName(retcode: number): string {
  return NAMES[retcode] ?? `retcode ${retcode}`;
}
