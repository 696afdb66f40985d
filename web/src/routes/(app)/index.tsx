import { A } from "@solidjs/router";
import { createResource, For, Match, Show, Switch } from "solid-js";
import ErrorNotice from "~/components/ErrorNotice";
import { api } from "~/lib/api";
import { live } from "~/lib/live";

function socketText(): string {
  const s = live.state();
  switch (s.kind) {
    case "connected":
      return `connected since ${new Date(s.since).toLocaleTimeString()}`;
    case "reconnecting":
      return `reconnecting (attempt ${s.attempt}): ${s.reason}`;
    case "connecting":
      return "connecting";
    case "offline":
      return `offline: ${s.reason}`;
    default:
      return "not started";
  }
}

export default function Overview() {
  const [health, { refetch }] = createResource(api.health);

  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <button type="button" class="btn" onClick={() => void refetch()} disabled={health.loading}>
          Refresh
        </button>
      </div>
      <div class="grid">
        <section class="card" aria-labelledby="health-title">
          <h2 id="health-title">
            Platform health
            <Show when={health()}>
              {(h) => (
                <span class={`pill ${h().status === "ok" ? "pill-ok" : "pill-bad"}`} data-testid="health-status">
                  {h().status}
                </span>
              )}
            </Show>
          </h2>
          <Switch>
            <Match when={health.error}>
              <ErrorNotice error={health.error} title="Health check failed." />
            </Match>
            <Match when={health.loading && !health()}>
              <p class="muted">Checking…</p>
            </Match>
            <Match when={health()}>
              {(h) => (
                <table class="table">
                  <caption class="sr-only">Health checks at {h().time}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Check</th>
                      <th scope="col">State</th>
                      <th scope="col" class="num">Time</th>
                      <th scope="col">Detail</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={h().checks}>
                      {(c) => (
                        <tr data-testid={`check-${c.name}`}>
                          <th scope="row">{c.name.replace(/_/g, " ")}</th>
                          <td>
                            <span class={`pill ${c.ok ? "pill-ok" : "pill-bad"}`}>{c.ok ? "ok" : "failing"}</span>
                          </td>
                          <td class="num">{c.ms} ms</td>
                          <td class="muted">{c.detail ?? ""}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              )}
            </Match>
          </Switch>
        </section>

        <section class="card" aria-labelledby="live-title">
          <h2 id="live-title">Live connection</h2>
          <dl class="facts">
            <dt>Socket</dt>
            <dd data-testid="socket-detail">{socketText()}</dd>
            <dt>Last ping</dt>
            <dd data-testid="socket-rtt">{live.lastRtt() === null ? "—" : `${live.lastRtt()} ms round trip`}</dd>
            <dt>Last event</dt>
            <dd>{live.lastSeq() === null ? "none yet" : `#${live.lastSeq()}`}</dd>
          </dl>
          <p class="muted small">
            Trades, signals and position updates stream over this connection. After a drop it reconnects on its own and
            asks for the events it missed.
          </p>
        </section>

        <section class="card card-wide" aria-labelledby="perf-title">
          <h2 id="perf-title">Performance</h2>
          <p class="muted">
            Equity, open P&amp;L, today's P&amp;L and drawdown appear here once a bot has traded. Create a bot, or connect
            a MetaTrader 5 terminal from <A href="/connectors">Connectors</A>.
          </p>
        </section>
      </div>
    </>
  );
}
