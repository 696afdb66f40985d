// Cron: find users with an active bot (paged by user id) and ask each user's object to run its
// due cycles. At most `parallel` objects are called at once, as a sliding window (a new call starts
// as soon as one finishes, so one slow object no longer holds back a whole batch). The active bots
// of each group of `parallel` users are read in one D1 query right before that group's calls start
// and handed to the objects, instead of every object querying D1 for its own bots (that was 1,000
// D1 round trips per fire for 1,000 users). One failing object never stops the others (its own
// alarm retries it).

import { errorMessage } from "../core/util/error-message";
import { type BotRef, botRef } from "../platform/bots/bot-ref";
import { activeBotsOfUsers, usersWithActiveBots } from "../platform/bots/store";
import { type Db, db } from "../platform/db/client";
import type { Env } from "../platform/env";
import { userObject } from "../platform/object-address";

export const CRON_PAGE = 500;
export const CRON_PARALLEL = 50;

export interface CronReport {
  users: number;
  ok: number;
  failed: number;
  cycles: number;
  traded: number;
  errors: string[];
}

/** The active bots of a group of users as the objects take them (activeBotsOfUsers, one query). */
export async function activeBotsOfRange(d: Db, users: readonly string[]): Promise<Map<string, BotRef[]>> {
  const out = new Map<string, BotRef[]>();
  for (const [userId, list] of await activeBotsOfUsers(d, users))
    out.set(
      userId,
      list.map(({ row, config }) => botRef(row, config)),
    );
  return out;
}

export async function runCron(
  env: Env,
  firedAt: number,
  opts: { parallel?: number; page?: number } = {},
): Promise<CronReport> {
  const parallel = Math.max(1, opts.parallel ?? CRON_PARALLEL);
  const page = opts.page ?? CRON_PAGE;
  const report: CronReport = { users: 0, ok: 0, failed: 0, cycles: 0, traded: 0, errors: [] };
  const d = db(env);
  const running = new Set<Promise<void>>();
  const call = async (userId: string, bots: BotRef[] | undefined) => {
    try {
      const results = await userObject(env, userId).runCycles(bots ? { userId, firedAt, bots } : { userId, firedAt });
      report.ok++;
      report.cycles += results.length;
      report.traded += results.filter((r) => r.outcome === "traded" || r.outcome === "pending").length;
    } catch (e) {
      report.failed++;
      if (report.errors.length < 20) report.errors.push(`${userId}: ${errorMessage(e)}`);
    } finally {
      report.users++;
    }
  };
  let after = "";
  for (;;) {
    const users = await usersWithActiveBots(d, after, page);
    if (users.length === 0) break;
    after = users.at(-1)!;
    for (let i = 0; i < users.length; i += parallel) {
      const group = users.slice(i, i + parallel);
      // If this read fails, the objects read their bots themselves (as before this optimisation).
      const botsByUser = await activeBotsOfRange(d, group).catch(() => new Map<string, BotRef[]>());
      for (const userId of group) {
        while (running.size >= parallel) await Promise.race(running);
        const p = call(userId, botsByUser.get(userId)).finally(() => running.delete(p));
        running.add(p);
      }
    }
    if (users.length < page) break;
  }
  await Promise.all(running);
  return report;
}
