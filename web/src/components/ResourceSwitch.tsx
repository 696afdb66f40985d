import { type JSX, Match, type Resource, Switch } from "solid-js";
import ErrorNotice from "./ErrorNotice";

/**
 * A resource's <Switch>: its error first (with "Try again" when onRetry is given), then a muted loading
 * line until the first value arrives (`loading={false}`: none), then the page's own <Match> arms.
 */
export default function ResourceSwitch(props: {
  of: Resource<unknown>;
  errorTitle: string;
  onRetry?: () => unknown;
  loading?: string | false;
  children: JSX.Element;
}) {
  return (
    <Switch>
      <Match when={props.of.error}>
        <ErrorNotice error={props.of.error} title={props.errorTitle} onRetry={props.onRetry} />
      </Match>
      <Match when={props.loading !== false && props.of.loading && !props.of()}>
        <p class="muted">{props.loading || "Loading…"}</p>
      </Match>
      {props.children}
    </Switch>
  );
}
