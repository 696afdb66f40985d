// Cron: find users with an active bot (paged by user id) and ask each user's object to run its
// due cycles. Objects are called in bounded parallel batches so thousands of users fit one
// invocation without opening thousands of sub-requests at once; one failing object never stops
// the others (its own alarm retries it).
import { usersWithActiveBots } from "./bots/store";
import { db } from "./db/client";
import type { Env } from "./env";
import { userObject } from "./lib/object-address";

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

export async function runCron(env: Env, firedAt: number, opts: { parallel?: number; page?: number } = {}): Promise<CronReport> {
  const parallel = opts.parallel ?? CRON_PARALLEL;
  const page = opts.page ?? CRON_PAGE;
  const report: CronReport = { users: 0, ok: 0, failed: 0, cycles: 0, traded: 0, errors: [] };
  const d = db(env);
  let after = "";
  for (;;) {
    const users = await usersWithActiveBots(d, after, page);
    if (users.length === 0) break;
    after = users.at(-1)!;
    for (let i = 0; i < users.length; i += parallel) {
      const batch = users.slice(i, i + parallel);
      const settled = await Promise.allSettled(batch.map((userId) => userObject(env, userId).runCycles({ userId, firedAt })));
      settled.forEach((s, j) => {
        report.users++;
        if (s.status === "fulfilled") {
          report.ok++;
          report.cycles += s.value.length;
          report.traded += s.value.filter((r) => r.outcome === "traded" || r.outcome === "pending").length;
        } else {
          report.failed++;
          if (report.errors.length < 20) report.errors.push(`${batch[j]}: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}`);
        }
      });
    }
    if (users.length < page) break;
  }
  return report;
}
