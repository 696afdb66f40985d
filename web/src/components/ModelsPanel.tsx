import { createSignal, For, onCleanup, Show } from "solid-js";
import { api } from "~/lib/api";
import type { Timeframe, UploadedArtifact } from "~/lib/contracts";
import { onEvents } from "~/lib/events";
import ErrorNotice from "./ErrorNotice";

type Training = { jobId: string; pct: number; stage: string; done?: string; failed?: string };

/** One ensemble timeframe: upload an ONNX file (PUT artifact) or train one on the edge. */
function ModelRow(props: { botId: string; timeframe: Timeframe; onChanged?: () => void }) {
  let fileInput!: HTMLInputElement;
  const [uploaded, setUploaded] = createSignal<UploadedArtifact | null>(null);
  const [error, setError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);
  const [training, setTraining] = createSignal<Training | null>(null);
  const id = () => `model-${props.timeframe}`;

  // Progress for this bot+timeframe (the job id is known once POST train answers; match both).
  onCleanup(
    onEvents(["TRAINING_PROGRESS", "TRAINING_DONE", "TRAINING_FAILED"], (e) => {
      const d = e.data;
      if (d.bot_id !== props.botId || d.timeframe !== props.timeframe) return;
      const t = training();
      if (t && t.jobId && t.jobId !== d.job_id) return;
      if (e.type === "TRAINING_PROGRESS") {
        const p = e.data as { pct: number; stage: string };
        setTraining({ jobId: d.job_id, pct: p.pct, stage: p.stage });
      } else if (e.type === "TRAINING_DONE") {
        const r = (e.data as { result: { version: number; activated: boolean; note: string } }).result;
        setTraining({
          jobId: d.job_id,
          pct: 100,
          stage: "done",
          done: `version ${r.version}${r.activated ? " active" : " stored, not activated"}: ${r.note}`,
        });
        props.onChanged?.();
      } else {
        const f = e.data as { reason: string; code: string; stage: string };
        setTraining({
          jobId: d.job_id,
          pct: t?.pct ?? 0,
          stage: "failed",
          failed: `${f.reason} (${f.code}, at ${f.stage})`,
        });
      }
    }),
  );

  const upload = async (e: SubmitEvent) => {
    e.preventDefault();
    const file = fileInput.files?.[0];
    if (!file) return;
    setBusy(true);
    setError(null);
    setUploaded(null);
    try {
      setUploaded(await api.bots.uploadArtifact(props.botId, props.timeframe, file));
      fileInput.value = "";
      props.onChanged?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const train = async () => {
    setError(null);
    setTraining({ jobId: "", pct: 0, stage: "queued" });
    try {
      const a = await api.bots.train(props.botId, { timeframe: props.timeframe });
      setTraining((t) => (t && (t.jobId === "" || t.jobId === a.job_id) ? { ...t, jobId: a.job_id } : t));
    } catch (err) {
      setTraining(null);
      setError(err);
    }
  };

  const running = () => {
    const t = training();
    return t !== null && !t.done && !t.failed;
  };

  return (
    <li class="model-row" data-testid={id()}>
      <div class="model-head">
        <strong>{props.timeframe}</strong>
        <Show when={uploaded()}>
          {(u) => (
            <span class="muted small" role="status" data-testid={`${id()}-uploaded`}>
              v{u().version} uploaded · {(u().size_bytes / 1024).toFixed(0)} KB · sha {u().sha256.slice(0, 10)} ·{" "}
              {u().producer}
              {u().retired_version ? ` (v${u().retired_version} kept for rollback)` : ""}
            </span>
          )}
        </Show>
      </div>
      <form class="inline-form" onSubmit={upload}>
        <div class="field">
          <label for={`${id()}-file`}>ONNX file for {props.timeframe}</label>
          <input id={`${id()}-file`} ref={fileInput} type="file" accept=".onnx,application/octet-stream" required />
        </div>
        <button type="submit" class="btn" disabled={busy()}>
          {busy() ? "Checking…" : "Upload"}
        </button>
        <button type="button" class="btn btn-ghost" onClick={train} disabled={running()}>
          Train on the edge
        </button>
      </form>
      <Show when={training()}>
        {(t) => (
          <div class="train" data-testid={`${id()}-training`}>
            <div
              class="progress"
              role="progressbar"
              aria-label={`Training ${props.timeframe}`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(t().pct)}
              aria-valuetext={`${Math.round(t().pct)}% (${t().stage})`}
            >
              <div class={`progress-fill ${t().failed ? "bad" : ""}`} style={{ width: `${t().pct}%` }} />
            </div>
            <span class="small muted" role="status">
              {t().failed
                ? `Training failed: ${t().failed}`
                : t().done
                  ? `Trained: ${t().done}`
                  : `${Math.round(t().pct)}% · ${t().stage}`}
            </span>
          </div>
        )}
      </Show>
      <Show when={error()}>
        <ErrorNotice error={error()} />
      </Show>
    </li>
  );
}

export default function ModelsPanel(props: { botId: string; timeframes: Timeframe[]; onChanged?: () => void }) {
  return (
    <section class="card" aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      <p class="muted small">
        Each timeframe needs an ONNX model: one float input [N, features] of the platform's feature schema and class
        probabilities [N, 3] (SELL, HOLD, BUY). The server checks the contract and test-runs the file before storing it;
        the previous version is kept for rollback.
      </p>
      <ul class="model-list">
        <For each={props.timeframes}>
          {(tf) => <ModelRow botId={props.botId} timeframe={tf} onChanged={props.onChanged} />}
        </For>
      </ul>
    </section>
  );
}
