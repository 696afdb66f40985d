import { For, Show } from "solid-js";
import { issuesUnder } from "~/lib/errors";

/** The server's validation issues for one part of a form (by path prefix), shown beside it. */
export default function FieldErrors(props: { error: unknown; path: string }) {
  const lines = () => issuesUnder(props.error, props.path);
  return (
    <Show when={lines().length}>
      <ul class="field-error" data-testid={`errors-${props.path}`}>
        <For each={lines()}>{(l) => <li>{l}</li>}</For>
      </ul>
    </Show>
  );
}
