// SL/TP sanity band (issue 19): a stop or target far from the current price is a typo or an attack
// (1e308, 5e-324 were accepted and queued for the terminal), never a plan. Prices must sit within
// a factor of the current mid: 1/4 .. 4x covers a 75% stop on a long and a 4x crypto target while
// refusing everything absurd. Venue rules (MT5 stops level, freeze level) are checked by the
// account (paper engine / broker) on top of this.
export const STOP_BAND_FACTOR = 4;

export interface StopBand {
  min: number;
  max: number;
}

export function stopBand(mid: number): StopBand {
  return { min: mid / STOP_BAND_FACTOR, max: mid * STOP_BAND_FACTOR };
}

const fmt = (x: number) => Number(x.toPrecision(6)).toString();

/** The problems of sl/tp against the band around `mid` (empty when both are in it or absent). */
export function stopBandIssues(
  levels: { sl: number | null; tp: number | null },
  mid: number,
): { path: "sl" | "tp"; message: string; band: StopBand }[] {
  const band = stopBand(mid);
  const issues: { path: "sl" | "tp"; message: string; band: StopBand }[] = [];
  for (const path of ["sl", "tp"] as const) {
    const v = levels[path];
    if (v === null || (v >= band.min && v <= band.max)) continue;
    issues.push({
      path,
      band,
      message: `${path} ${fmt(v)} is outside ${fmt(band.min)}..${fmt(band.max)} (1/${STOP_BAND_FACTOR} to ${STOP_BAND_FACTOR}x the current price ${fmt(mid)})`,
    });
  }
  return issues;
}
