import type { Env } from "../../platform/env";

/**
 * Replay clock settings for a new object (then persisted): REPLAY_SPEED (1 = real time) and
 * REPLAY_START (ISO time: start at the bar closing then, where a symbol's data has it; default:
 * the seed picks). `npm start` runs the demo faster and from a chosen moment (scripts/start.mjs)
 * so a newcomer sees bars close, cycles run and a trade happen within a minute.
 */
export function replaySettings(env: Pick<Env, "REPLAY_SPEED" | "REPLAY_START">): { speed?: number; startAt?: number } {
  const speed = Number(env.REPLAY_SPEED);
  const startAt = env.REPLAY_START ? Date.parse(env.REPLAY_START) : NaN;
  return {
    ...(Number.isFinite(speed) && speed > 0 ? { speed } : {}),
    ...(Number.isFinite(startAt) ? { startAt } : {}),
  };
}
