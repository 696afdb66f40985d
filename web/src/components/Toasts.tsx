import { For, Show } from "solid-js";
import { dismiss, toasts } from "~/lib/toasts";

/**
 * Toast stack. Two live regions so screen readers hear errors at once (assertive) and the rest
 * when idle (polite); each region stays mounted so additions are announced.
 */
export default function Toasts() {
  const list = (urgent: boolean) => toasts().filter((t) => (t.kind === "bad") === urgent);
  const region = (urgent: boolean) => (
    <div
      class="toast-region"
      role={urgent ? "alert" : "status"}
      aria-live={urgent ? "assertive" : "polite"}
      aria-relevant="additions"
    >
      <For each={list(urgent)}>
        {(t) => (
          <div class={`toast toast-${t.kind}`} data-testid="toast" data-kind={t.kind}>
            <div class="toast-text">
              <strong>{t.title}</strong>
              <Show when={t.body}>
                <span>{t.body}</span>
              </Show>
            </div>
            <button type="button" class="toast-close" aria-label={`Dismiss: ${t.title}`} onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        )}
      </For>
    </div>
  );
  return (
    <div class="toasts">
      {region(true)}
      {region(false)}
    </div>
  );
}
