import { createResource, Show } from "solid-js";
import { api } from "~/lib/api";
import type { MarketSource } from "~/lib/contracts";

// One request per page load: the sources only change with the server's configuration.
let sources: Promise<MarketSource[]> | undefined;
const loadSources = () => {
  sources ??= api.marketSources().catch((e) => {
    sources = undefined;
    throw e;
  });
  return sources;
};

/** "replayed data" next to a symbol whose bars are historical candles replayed, not live prices. */
export default function DataSourcePill(props: { symbol: string }) {
  const [all] = createResource(loadSources);
  // No label when the sources could not be loaded (the table itself must still show).
  const source = () => (all.state === "ready" ? all().find((s) => s.symbol === props.symbol) : undefined);
  return (
    <Show when={source()?.replayed}>
      <span class="pill pill-warn" data-testid="replayed-data" title={source()!.description}>
        replayed data
      </span>
    </Show>
  );
}
