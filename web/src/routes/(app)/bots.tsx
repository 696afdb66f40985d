import EmptyState from "~/components/EmptyState";

export default function Bots() {
  return (
    <>
      <div class="page-head">
        <h1>Bots</h1>
      </div>
      <EmptyState title="No bots yet" icon="⚙">
        <p>A bot combines an ensemble of ONNX models (15m, 1h, 4h), strategy rules and risk settings, and trades on a paper account or through a connector. Bot creation arrives in the next release of the dashboard.</p>
      </EmptyState>
    </>
  );
}
