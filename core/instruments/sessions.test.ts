import { describe, expect, it } from "vitest";
import { sessionsOf } from "./market-hours";
import { isOpen, nextChange, nextOpen, openMsBetween, SESSIONS } from "./sessions";

const at = (iso: string) => Date.parse(iso);
const H = 3600_000;

describe("FX week (Sunday 17:00 to Friday 17:00 New York)", () => {
  const fx = SESSIONS.fx;
  it("closes Friday 17:00 New York: 21:00 UTC in summer (EDT), 22:00 UTC in winter (EST)", () => {
    expect(isOpen(fx, at("2026-07-10T20:59:00Z"))).toBe(true); // Friday, EDT
    expect(isOpen(fx, at("2026-07-10T21:00:00Z"))).toBe(false); // the close is end-exclusive
    expect(isOpen(fx, at("2026-01-09T21:30:00Z"))).toBe(true); // Friday, EST: still open
    expect(isOpen(fx, at("2026-01-09T22:00:00Z"))).toBe(false);
  });
  it("is closed all Saturday and opens Sunday 17:00 New York", () => {
    expect(isOpen(fx, at("2026-07-11T12:00:00Z"))).toBe(false);
    expect(isOpen(fx, at("2026-07-12T20:59:00Z"))).toBe(false);
    expect(isOpen(fx, at("2026-07-12T21:00:00Z"))).toBe(true);
    expect(isOpen(fx, at("2026-01-11T21:30:00Z"))).toBe(false); // EST: opens at 22:00 UTC
    expect(isOpen(fx, at("2026-01-11T22:00:00Z"))).toBe(true);
    expect(isOpen(fx, at("2026-07-15T03:00:00Z"))).toBe(true); // a Wednesday night
  });
  it("finds the next change across DST: US clocks go forward on Sunday 8 March 2026, back on 1 November", () => {
    // Friday 6 March closes at 22:00 UTC (EST); Sunday 8 March opens at 21:00 UTC (EDT, same day as the change).
    expect(nextChange(fx, at("2026-03-06T12:00:00Z"))).toBe(at("2026-03-06T22:00:00Z"));
    expect(nextOpen(fx, at("2026-03-07T12:00:00Z"))).toBe(at("2026-03-08T21:00:00Z"));
    // Friday 30 October closes at 21:00 UTC (EDT); Sunday 1 November opens at 22:00 UTC (EST).
    expect(nextChange(fx, at("2026-10-30T12:00:00Z"))).toBe(at("2026-10-30T21:00:00Z"));
    expect(nextOpen(fx, at("2026-10-31T12:00:00Z"))).toBe(at("2026-11-01T22:00:00Z"));
    expect(nextOpen(fx, at("2026-07-15T03:00:00Z"))).toBe(at("2026-07-15T03:00:00Z"));
  });
  it("counts only open time: a weekend does not age Friday's last bar", () => {
    // Friday 20:30 UTC (EDT) to Sunday 21:30 UTC: 30 min before the close + 30 min after the open.
    expect(openMsBetween(fx, at("2026-07-10T20:30:00Z"), at("2026-07-12T21:30:00Z"))).toBe(H);
    expect(openMsBetween(fx, at("2026-07-14T00:00:00Z"), at("2026-07-14T05:00:00Z"))).toBe(5 * H);
    expect(openMsBetween(fx, at("2026-07-11T00:00:00Z"), at("2026-07-12T00:00:00Z"))).toBe(0);
    // A cap stops a long span early.
    expect(openMsBetween(fx, at("2020-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"), 2 * H)).toBe(2 * H);
    // Open to next open is five days of open market, also across the change to summer time
    // (that week is 167 h long: Sunday 22:00 UTC to Sunday 21:00 UTC).
    expect(openMsBetween(fx, at("2026-03-01T22:00:00Z"), at("2026-03-08T21:00:00Z"))).toBe(5 * 24 * H);
    expect(nextChange(fx, at("2026-03-01T22:00:00Z"))).toBe(at("2026-03-06T22:00:00Z"));
    expect(openMsBetween(fx, at("2026-07-13T00:00:00Z"), at("2026-07-20T00:00:00Z"))).toBe(5 * 24 * H);
  });
});

describe("S&P 500 cash session (09:30-16:00 New York, Monday-Friday)", () => {
  const spx = SESSIONS.usIndexCash;
  it("opens 13:30 UTC in summer and 14:30 UTC in winter, closes at 16:00 New York", () => {
    expect(isOpen(spx, at("2026-07-14T13:29:00Z"))).toBe(false);
    expect(isOpen(spx, at("2026-07-14T13:30:00Z"))).toBe(true);
    expect(isOpen(spx, at("2026-07-14T19:59:00Z"))).toBe(true);
    expect(isOpen(spx, at("2026-07-14T20:00:00Z"))).toBe(false);
    expect(isOpen(spx, at("2026-01-13T14:00:00Z"))).toBe(false);
    expect(isOpen(spx, at("2026-01-13T14:30:00Z"))).toBe(true);
    expect(isOpen(spx, at("2026-07-11T15:00:00Z"))).toBe(false); // Saturday
  });
  it("the next open after a Friday close is Monday 09:30", () => {
    expect(nextOpen(spx, at("2026-07-10T20:00:00Z"))).toBe(at("2026-07-13T13:30:00Z"));
    expect(openMsBetween(spx, at("2026-07-10T00:00:00Z"), at("2026-07-14T00:00:00Z"))).toBe(2 * 6.5 * H);
  });
});

describe("catalog hours", () => {
  it("by instrument kind; unknown symbols count as always open", () => {
    expect(sessionsOf("USDCHF")).toBe(SESSIONS.fx);
    expect(sessionsOf("SPX500")).toBe(SESSIONS.usIndexCash);
    expect(sessionsOf("BTCUSD")).toBe(SESSIONS.always);
    expect(sessionsOf("NOPE")).toBe(SESSIONS.always);
    expect(isOpen(SESSIONS.always, at("2026-07-11T12:00:00Z"))).toBe(true);
    expect(nextChange(SESSIONS.always, 0)).toBeNull();
    expect(openMsBetween(SESSIONS.always, 0, 10 * H)).toBe(10 * H);
  });
});
