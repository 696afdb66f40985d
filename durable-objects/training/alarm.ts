import { alarmClock } from "../alarm/alarm-clock";

/** Delay between training slices: other work of the object (requests, the engine) runs in between. */
export const SLICE_GAP_MS = 10;

/**
 * Makes sure the object's one alarm fires within SLICE_GAP_MS. Only ever moves the alarm earlier, so
 * the engine's own schedule (it re-arms the same way) is never pushed back; its alarm() runs both.
 */
export function armTrainingAlarm(storage: DurableObjectStorage, now = Date.now()): Promise<void> {
  return alarmClock(storage).noLaterThan(now + SLICE_GAP_MS, now);
}
