import EmptyState from "~/components/EmptyState";

export default function Positions() {
  return (
    <>
      <div class="page-head">
        <h1>Positions</h1>
      </div>
      <EmptyState title="No open positions" icon="◧">
        <p>Open positions with live P&amp;L show up here, whether a bot opened them or you did by hand in the terminal.</p>
      </EmptyState>
    </>
  );
}
