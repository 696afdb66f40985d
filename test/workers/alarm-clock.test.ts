// The object's alarm clock (durable-objects/alarm/alarm-clock.ts) on a real object's storage: it only
// moves the alarm earlier, skips storage when the alarm already fires in time, and re-reads after
// the alarm fired.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AlarmClock, alarmClock } from "../../durable-objects/alarm/alarm-clock";
import type { UserBot } from "../../durable-objects/user-bot";
import { userBot } from "./user-bot-stub";

/** The object's real storage, with its alarm calls counted (they pass straight through). */
function counted(storage: DurableObjectStorage) {
  const calls = { get: 0, set: 0 };
  const view = new Proxy(storage, {
    get(target, key) {
      if (key === "getAlarm")
        return (...a: Parameters<DurableObjectStorage["getAlarm"]>) => (calls.get++, target.getAlarm(...a));
      if (key === "setAlarm")
        return (...a: Parameters<DurableObjectStorage["setAlarm"]>) => (calls.set++, target.setAlarm(...a));
      const v = Reflect.get(target, key) as unknown;
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { view, calls };
}

const stub = (name: string) => userBot(name);

describe("AlarmClock", () => {
  it("moves the alarm only earlier and makes no storage call when it already fires in time", async () => {
    await runInDurableObject(stub("alarm-clock-1"), async (_i: UserBot, state) => {
      const { view, calls } = counted(state.storage);
      const clock = new AlarmClock(view);
      const now = Date.now();
      await clock.noLaterThan(now + 60_000, now);
      expect(await state.storage.getAlarm()).toBe(now + 60_000);
      expect(calls).toEqual({ get: 1, set: 1 });

      await clock.noLaterThan(now + 120_000, now); // later: keeps the earlier alarm, no storage call
      await clock.noLaterThan(now + 60_000, now); // the same: nothing to do either
      expect(calls).toEqual({ get: 1, set: 1 });
      expect(await state.storage.getAlarm()).toBe(now + 60_000);

      await clock.noLaterThan(now + 30_000, now); // earlier: moved, without reading first
      expect(calls).toEqual({ get: 1, set: 2 });
      expect(await state.storage.getAlarm()).toBe(now + 30_000);

      await clock.noLaterThan(now + 90_000, now + 40_000); // the remembered alarm is in the past: set again
      expect(calls.set).toBe(3);
      expect(await state.storage.getAlarm()).toBe(now + 90_000);
    });
  });

  it("reads storage on first use, so an alarm set before (another instance) is respected", async () => {
    const now = Date.now();
    await runInDurableObject(stub("alarm-clock-2"), (_i: UserBot, state) => state.storage.setAlarm(now + 10_000));
    await runInDurableObject(stub("alarm-clock-2"), async (_i: UserBot, state) => {
      const { view, calls } = counted(state.storage);
      await new AlarmClock(view).noLaterThan(now + 50_000, now);
      expect(calls).toEqual({ get: 1, set: 0 });
      expect(await state.storage.getAlarm()).toBe(now + 10_000);
    });
  });

  it("forgets the alarm once it fired: the object's next arm sets a new one", async () => {
    const s = stub("alarm-clock-3");
    const now = Date.now();
    // The object's own clock (alarmClock(storage), shared by engine, connector and training).
    await runInDurableObject(s, (_i: UserBot, state) => alarmClock(state.storage).noLaterThan(now + 60_000, now));
    expect(await runDurableObjectAlarm(s)).toBe(true); // fires it now; UserBot.alarm() calls fired()
    await runInDurableObject(s, async (_i: UserBot, state) => {
      expect(await state.storage.getAlarm()).toBeNull(); // a fresh object had nothing to re-arm
      await alarmClock(state.storage).noLaterThan(now + 120_000, now);
      // Had it kept "now + 60 s" after the fire, it would have skipped this and left no alarm at all.
      expect(await state.storage.getAlarm()).toBe(now + 120_000);
    });
  });
});
