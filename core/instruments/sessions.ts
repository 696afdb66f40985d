import { z } from "zod";

/**
 * When a market trades: weekly windows in the market's own time zone (DST follows the zone through
 * Intl, which every runtime here ships with full ICU). Closes are end-exclusive: at the close
 * instant the market is closed. Holidays are not modelled (a holiday looks like an open market
 * without new bars; freshness then reports `stale`, which is the honest answer).
 *
 * Hours (normal week):
 * - FX: Sunday 17:00 to Friday 17:00 New York time, the convention retail brokers and the
 *   interbank week use (Sydney opens at 17:00 ET Sunday, New York closes the week at 17:00 ET Friday).
 * - US index (S&P 500 cash session): Monday to Friday 09:30 to 16:00 New York time, the regular
 *   session of every US equities venue under Reg NMS (NYSE "Hours & Calendars").
 * - Crypto perpetuals: 24/7.
 */
export const SessionTimeSchema = z.object({
  /** 0 = Sunday ... 6 = Saturday, in the schedule's time zone. */
  day: z.number().int().min(0).max(6),
  /** Minutes after local midnight. */
  minute: z.number().int().min(0).max(1439),
});
export const SessionScheduleSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("always") }),
  z.object({
    kind: z.literal("weekly"),
    /** IANA zone the windows are written in (e.g. America/New_York); "UTC" for none. */
    timeZone: z.string().min(1),
    /** Open windows; a window whose close is not after its open wraps over the week's end. */
    windows: z.array(z.object({ open: SessionTimeSchema, close: SessionTimeSchema })).min(1),
    /** Where the hours come from (shown in docs and errors). */
    source: z.string().min(1),
  }),
]);
export type SessionSchedule = z.infer<typeof SessionScheduleSchema>;

const hm = (h: number, m = 0) => h * 60 + m;
const NY = "America/New_York";

export const SESSIONS = {
  always: { kind: "always" },
  fx: {
    kind: "weekly",
    timeZone: NY,
    windows: [{ open: { day: 0, minute: hm(17) }, close: { day: 5, minute: hm(17) } }],
    source: "FX week: Sunday 17:00 to Friday 17:00 New York time",
  },
  usIndexCash: {
    kind: "weekly",
    timeZone: NY,
    windows: [1, 2, 3, 4, 5].map((day) => ({ open: { day, minute: hm(9, 30) }, close: { day, minute: hm(16) } })),
    source: "US regular session (Reg NMS; NYSE hours): Monday-Friday 09:30-16:00 New York time",
  },
} as const satisfies Record<string, SessionSchedule>;

const WEEK_MIN = 7 * 1440;
const MINUTE = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Local weekday and minute of day of instant `t` in `timeZone`, plus the zone's UTC offset then (ms). */
function local(t: number, timeZone: string): { day: number; minute: number; offsetMs: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(t)) p[part.type] = part.value;
  const wall = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return {
    day: WEEKDAY[p.weekday!]!,
    minute: Number(p.hour) * 60 + Number(p.minute),
    offsetMs: wall - Math.floor(t / 1000) * 1000,
  };
}

const weekMinute = (s: { day: number; minute: number }) => s.day * 1440 + s.minute;

function inWindow(
  m: number,
  w: { open: { day: number; minute: number }; close: { day: number; minute: number } },
): boolean {
  const a = weekMinute(w.open);
  const b = weekMinute(w.close);
  return b > a ? m >= a && m < b : m >= a || m < b;
}

/** Is the market open at instant `t` (epoch ms)? */
export function isOpen(schedule: SessionSchedule, t: number): boolean {
  if (schedule.kind === "always") return true;
  const l = local(t, schedule.timeZone);
  return schedule.windows.some((w) => inWindow(weekMinute(l), w));
}

/**
 * The next instant after `t` at which open/closed flips, or null (always open). Boundaries are on
 * whole local minutes, so this walks the boundaries of the next 8 days in local time and turns
 * each into UTC with the zone's offset at that moment (two passes settle a DST change).
 */
export function nextChange(schedule: SessionSchedule, t: number): number | null {
  if (schedule.kind === "always") return null;
  const open = isOpen(schedule, t);
  const l = local(t, schedule.timeZone);
  const nowWeekMin = weekMinute(l);
  // Local "week minute" targets where the state could flip, sorted by distance ahead of now.
  // Minutes ahead (1 .. one week) to each local boundary, nearest first.
  const targets = [...new Set(schedule.windows.flatMap((w) => [weekMinute(w.open), weekMinute(w.close)]))]
    .map((m) => (m - nowWeekMin + WEEK_MIN) % WEEK_MIN || WEEK_MIN)
    .sort((a, b) => a - b);
  const localNowMs = Math.floor(t / MINUTE) * MINUTE + l.offsetMs;
  for (const ahead of targets) {
    const wall = localNowMs + ahead * MINUTE;
    let utc = wall - l.offsetMs;
    for (let i = 0; i < 2; i++) utc = wall - local(utc, schedule.timeZone).offsetMs;
    if (utc > t && isOpen(schedule, utc) !== open) return utc;
  }
  return null;
}

/** The next opening at or after `t` (t itself when open), or null if it never opens. */
export function nextOpen(schedule: SessionSchedule, t: number): number | null {
  if (isOpen(schedule, t)) return t;
  return nextChange(schedule, t);
}

/**
 * Open-market time in [from, to) (ms), counting up to `cap` at most (so a span of years stops
 * early). Staleness is judged on this: a weekend does not age Friday's last bar.
 */
export function openMsBetween(schedule: SessionSchedule, from: number, to: number, cap = Infinity): number {
  if (to <= from) return 0;
  if (schedule.kind === "always") return Math.min(cap, to - from);
  let total = 0;
  let t = from;
  let open = isOpen(schedule, t);
  while (t < to && total < cap) {
    const next = Math.min(nextChange(schedule, t) ?? to, to);
    if (open) total += next - t;
    t = next;
    open = !open;
  }
  return Math.min(total, cap);
}
