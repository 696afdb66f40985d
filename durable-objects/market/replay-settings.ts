import type { Env } from "../../platform/env";

/**
 * Replay speed for a new object's clock (REPLAY_SPEED var: 1 = real time). `npm start` runs the
 * demo faster so a newcomer sees bars close, cycles run and trades happen within a minute.
 */
export function replaySettings(env: Pick<Env, "REPLAY_SPEED">): { speed?: number } {
  const speed = Number(env.REPLAY_SPEED);
  return Number.isFinite(speed) && speed > 0 ? { speed } : {};
}
