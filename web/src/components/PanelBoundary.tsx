import { ErrorBoundary, type JSX } from "solid-js";
import ErrorNotice from "./ErrorNotice";

/**
 * One panel's failure stays in that panel: what it threw (an API error's JSON message, or the
 * exception) is shown in its place with "Try again", and every other panel keeps working.
 */
export default function PanelBoundary(props: { name: string; children: JSX.Element }) {
  return (
    <ErrorBoundary
      fallback={(err, reset) => (
        <section class="card" data-testid="panel-error" aria-label={`${props.name} failed`}>
          <ErrorNotice error={err} title={`${props.name} failed.`} onRetry={reset} />
        </section>
      )}
    >
      {props.children}
    </ErrorBoundary>
  );
}
