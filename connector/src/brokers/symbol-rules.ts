import type { EaFilling, EaSymbolInfo } from "./ea-protocol";

/**
 * A symbol's own trading rules, applied before a request leaves the connector (the chart's _Point
 * or a fixed 2-decimal volume is wrong for US30, XAUUSD, GER40! or a 0.001-step symbol).
 */

/**
 * The filling policy for a market order (https://www.mql5.com/en/docs/constants/environment_state/marketinfoconstants#symbol_filling_mode):
 * SYMBOL_FILLING_MODE flags FOK (1) and IOC (2); RETURN is allowed for market orders in the Market
 * and Exchange execution modes whatever the flags; in Request and Instant execution FOK is used.
 * A policy the symbol does not allow is answered 10030 INVALID_FILL.
 */
export function chooseFilling(info: EaSymbolInfo): EaFilling {
  if (info.filling_mode & 1) return "FOK";
  if (info.filling_mode & 2) return "IOC";
  if (info.execution === "market" || info.execution === "exchange") return "RETURN";
  return "FOK";
}

export function allowedFillings(info: EaSymbolInfo): EaFilling[] {
  const out: EaFilling[] = [];
  if (info.filling_mode & 1 || info.execution === "request" || info.execution === "instant") out.push("FOK");
  if (info.filling_mode & 2) out.push("IOC");
  if (info.execution === "market" || info.execution === "exchange") out.push("RETURN");
  return out;
}

const decimalsOf = (step: number) => Math.max(0, Math.min(12, Math.ceil(-Math.log10(step) - 1e-9)));

/** The volume as a multiple of SYMBOL_VOLUME_STEP within min/max, or why it cannot be one. */
export function checkVolume(
  info: EaSymbolInfo,
  volume: number,
): { ok: true; volume: number } | { ok: false; message: string } {
  const steps = Math.round(volume / info.volume_step);
  const rounded = Number((steps * info.volume_step).toFixed(decimalsOf(info.volume_step)));
  if (Math.abs(rounded - volume) > info.volume_step * 1e-6)
    return {
      ok: false,
      message: `volume ${volume} is not a multiple of ${info.name}'s volume step ${info.volume_step}`,
    };
  if (rounded < info.volume_min - 1e-12 || rounded > info.volume_max + 1e-12)
    return { ok: false, message: `volume ${volume} outside ${info.name}'s ${info.volume_min}..${info.volume_max}` };
  return { ok: true, volume: rounded };
}

/** A price on the symbol's tick grid (SYMBOL_TRADE_TICK_SIZE, e.g. 0.5 on an index), at its digits. 0 stays 0 ("no level"). */
export function toTick(info: EaSymbolInfo, price: number): number {
  if (price <= 0) return 0;
  return Number((Math.round(price / info.tick_size) * info.tick_size).toFixed(info.digits));
}
