import { For, Show } from "solid-js";
import { describeError } from "~/lib/errors";

/**
 * Shows an API error's message, code and validation details; announced to screen readers. With
 * onRetry, a "Try again" button follows the notice (the pages' shared reload affordance).
 */
export default function ErrorNotice(props: { error: unknown; title?: string; onRetry?: () => unknown }) {
  const d = () => describeError(props.error);
  return (
    <>
      <div class="notice notice-error" role="alert">
        <strong>{props.title ?? d().title}</strong>
        <Show when={props.title}>
          <span> {d().title}</span>
        </Show>
        <Show when={d().code}>
          <code class="error-code">{d().code}</code>
        </Show>
        <Show when={d().lines.length}>
          <ul>
            <For each={d().lines}>{(l) => <li>{l}</li>}</For>
          </ul>
        </Show>
      </div>
      <Show when={props.onRetry}>
        <button type="button" class="btn" onClick={() => void props.onRetry?.()}>
          Try again
        </button>
      </Show>
    </>
  );
}
