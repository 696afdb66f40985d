import { errorMessage } from "@core/util/error-message";
import { createSignal } from "solid-js";
import { downloadCsv } from "~/lib/api";
import { toast } from "~/lib/toasts";

/** "Export CSV" for a table: downloads what the same list route answers, with the filters in `path`. */
export default function ExportButton(props: { path: () => string; label?: string }) {
  const [busy, setBusy] = createSignal(false);
  const run = async () => {
    setBusy(true);
    try {
      await downloadCsv(props.path());
    } catch (e) {
      toast("bad", "Export failed", errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class="secondary" data-testid="export-csv" disabled={busy()} onClick={run}>
      {busy() ? "Exporting…" : (props.label ?? "Export CSV")}
    </button>
  );
}
