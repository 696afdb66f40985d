import { getInstrument } from "./catalog";
import { SESSIONS, type SessionSchedule } from "./sessions";
import type { InstrumentSpec } from "./spec";

const BY_KIND: Record<InstrumentSpec["kind"], SessionSchedule> = {
  fx: SESSIONS.fx,
  crypto_perp: SESSIONS.always,
  index_cfd: SESSIONS.usIndexCash,
};

/**
 * The trading hours of a catalog symbol (by its kind). A symbol outside the catalog has no known
 * hours and counts as always open: its freshness is then judged in wall-clock time, as before.
 */
export function sessionsOf(symbol: string): SessionSchedule {
  const spec = getInstrument(symbol);
  return spec ? BY_KIND[spec.kind] : SESSIONS.always;
}
