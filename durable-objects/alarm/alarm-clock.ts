/**
 * The object's one alarm, only ever moved earlier: `noLaterThan(at)` makes sure it fires by `at`.
 *
 * It remembers the time it last set, so a call that would not move the alarm makes no storage call
 * at all. getAlarm/setAlarm are storage operations: while one is in flight the object's input gate
 * holds incoming events, and on the connector path (command sent, then arm) that kept the
 * connector's TRADE_RESULT waiting ~3 ms behind an alarm that was already early enough.
 *
 * What it remembers stays true because only this object moves its alarm, and the runtime clears it
 * only by firing it: `fired()` at the start of alarm() forgets the value (the next call reads storage).
 */
export class AlarmClock {
  /** undefined: not known yet (new instance, or the alarm just fired); null: no alarm set. */
  private known: number | null | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  async noLaterThan(at: number, now = Date.now()): Promise<void> {
    if (this.known === undefined) {
      const current = await this.storage.getAlarm();
      if (this.known === undefined) this.known = current; // a concurrent call may have set it meanwhile
    }
    const current = this.known;
    if (current !== null && current <= at && current >= now) return;
    this.known = at; // before the await: a concurrent caller compares against this one
    try {
      await this.storage.setAlarm(at);
    } catch (e) {
      this.known = undefined;
      throw e;
    }
  }

  /** The runtime fired (and so cleared) the alarm. */
  fired(): void {
    this.known = undefined;
  }
}

const clocks = new WeakMap<DurableObjectStorage, AlarmClock>();

/** The one AlarmClock of an object (keyed by its storage), shared by the engine, connector and training. */
export function alarmClock(storage: DurableObjectStorage): AlarmClock {
  let c = clocks.get(storage);
  if (!c) clocks.set(storage, (c = new AlarmClock(storage)));
  return c;
}
