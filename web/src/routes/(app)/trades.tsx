import EmptyState from "~/components/EmptyState";

export default function Trades() {
  return (
    <>
      <div class="page-head">
        <h1>Trades</h1>
      </div>
      <EmptyState title="No trades yet" icon="⇄">
        <p>Every executed trade is listed here with its entry, exit, stop-loss, take-profit and result.</p>
      </EmptyState>
    </>
  );
}
