import { createResource, onCleanup, Show } from "solid-js";
import { api } from "~/lib/api";
import { onEvents } from "~/lib/events";
import { fmtTime } from "~/lib/format";

const PROTECTION_NAME = {
  stoploss_guard: "stop-loss guard",
  max_drawdown: "max drawdown",
  daily_loss_limit: "daily loss limit",
} as const;

/**
 * A bot's last cycle (result and reason) and, while a protection locks its entries, the pause with
 * its reason and end (market time). Re-read on every status push of this bot: a cycle after the
 * pause ends clears it, as a cycle during it shows the skip.
 */
export default function BotCycleStatus(props: { botId: string }) {
  const [status, { refetch }] = createResource(
    () => props.botId,
    async (id) => (await api.autoTrading.status()).find((b) => b.bot_id === id) ?? null,
  );
  onCleanup(onEvents(["STATUS_UPDATE"], (e) => e.data.bot_id === props.botId && void refetch()));
  // A failed read leaves the panel out: the rest of the page keeps working (the cycle buttons show their own errors).
  const s = () => (status.error ? null : status());
  return (
    <Show when={s()}>
      {(st) => (
        <>
          <Show when={st().paused}>
            {(p) => (
              <div class="notice notice-warn" role="status" data-testid="bot-paused">
                <strong>Entries paused by the {PROTECTION_NAME[p().protection]}</strong> until {fmtTime(p().until)}{" "}
                (market time); exits of open positions still run.
                <br />
                <span class="muted small" data-testid="bot-paused-reason">
                  {p().message}
                </span>
              </div>
            )}
          </Show>
          <p class="muted small" data-testid="bot-last-cycle" data-result={st().last_result ?? ""}>
            Last cycle:{" "}
            <Show when={st().last_result} fallback="none yet">
              <strong>{st().last_result}</strong> ({st().last_reason})
              <Show when={st().last_bar_time}> · bar {fmtTime(st().last_bar_time)}</Show>
            </Show>
          </p>
        </>
      )}
    </Show>
  );
}
