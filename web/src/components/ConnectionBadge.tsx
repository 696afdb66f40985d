import { createSignal, onCleanup } from "solid-js";
import type { SocketState } from "~/lib/socket";

/** Live / Connecting / Reconnecting in N s / Offline, with a countdown that ticks each second. */
export default function ConnectionBadge(props: { state: SocketState }) {
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(timer));

  const view = (): { cls: string; text: string } => {
    const s = props.state;
    switch (s.kind) {
      case "connected":
        return { cls: "ok", text: "Live" };
      case "connecting":
        return { cls: "warn", text: "Connecting…" };
      case "reconnecting": {
        const secs = Math.max(0, Math.ceil((s.at - now()) / 1000));
        return { cls: "warn", text: secs > 0 ? `Reconnecting in ${secs} s` : "Reconnecting…" };
      }
      case "offline":
        return { cls: "bad", text: "Offline" };
      default:
        return { cls: "idle", text: "Not connected" };
    }
  };
  return (
    <span
      class={`badge badge-${view().cls}`}
      role="status"
      aria-live="polite"
      data-testid="connection-state"
      data-state={props.state.kind}
    >
      <span class="dot" aria-hidden="true" />
      {view().text}
    </span>
  );
}
