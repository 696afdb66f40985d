import EmptyState from "~/components/EmptyState";

export default function Activity() {
  return (
    <>
      <div class="page-head">
        <h1>Activity</h1>
      </div>
      <EmptyState title="Nothing has happened yet" icon="≋">
        <p>Predictions, executed trades, errors and connector events stream into this feed as they happen.</p>
      </EmptyState>
    </>
  );
}
