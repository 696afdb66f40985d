import { createResource, createSignal, Match, Show } from "solid-js";
import DataTable from "~/components/DataTable";
import EmptyState from "~/components/EmptyState";
import ErrorNotice from "~/components/ErrorNotice";
import ResourceSwitch from "~/components/ResourceSwitch";
import { api } from "~/lib/api";
import type { ConnectorToken, CreatedConnectorToken } from "~/lib/contracts";

function when(v: string | null | undefined): string {
  if (v === null || v === undefined) return "—";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toLocaleString();
}

/** The full token exists only in this component's memory: shown once, then gone. */
function NewToken(props: { created: CreatedConnectorToken; onDone: () => void }) {
  const [copied, setCopied] = createSignal<"idle" | "ok" | "failed">("idle");
  let field!: HTMLInputElement;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.created.token);
      setCopied("ok");
    } catch {
      field.select(); // clipboard blocked (http, permissions): let the user copy by hand
      setCopied("failed");
    }
  };
  return (
    <section class="card card-accent" aria-labelledby="new-token-title" data-testid="new-token">
      <h2 id="new-token-title">Token for “{props.created.name}”</h2>
      <p>
        Copy it now and paste it into the connector's config. It is shown only once; if you lose it, revoke it and
        create a new one.
      </p>
      <div class="token-row">
        <label for="new-token-value" class="sr-only">
          Connector token
        </label>
        <input
          id="new-token-value"
          ref={field}
          class="mono"
          readonly
          value={props.created.token}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="new-token-value"
        />
        <button type="button" class="btn btn-primary" onClick={copy}>
          Copy
        </button>
      </div>
      <p class="small" role="status" aria-live="polite">
        {copied() === "ok"
          ? "Copied to the clipboard."
          : copied() === "failed"
            ? "Copy blocked by the browser: the token is selected, press Ctrl+C."
            : ""}
      </p>
      <button type="button" class="btn btn-ghost" onClick={() => props.onDone()}>
        I've saved it
      </button>
    </section>
  );
}

function Row(props: { token: ConnectorToken; onRevoked: (id: string) => void }) {
  const [confirming, setConfirming] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  const revoke = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.connectors.revoke(props.token.id);
      props.onRevoked(props.token.id);
    } catch (err) {
      setError(err);
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-testid="connector-row">
      <th scope="row">{props.token.name}</th>
      <td class="mono">etc_{props.token.prefix}…</td>
      <td>{when(props.token.created_at)}</td>
      <td>{when(props.token.last_used_at)}</td>
      <td class="actions">
        <Show
          when={confirming()}
          fallback={
            <button
              type="button"
              class="btn btn-danger-ghost"
              onClick={() => setConfirming(true)}
              aria-label={`Revoke ${props.token.name}`}
            >
              Revoke
            </button>
          }
        >
          <button
            type="button"
            class="btn btn-danger"
            onClick={revoke}
            disabled={busy()}
            aria-label={`Confirm revoking ${props.token.name}`}
          >
            {busy() ? "Revoking…" : "Confirm revoke"}
          </button>
          <button type="button" class="btn btn-ghost" onClick={() => setConfirming(false)} disabled={busy()}>
            Cancel
          </button>
        </Show>
        <Show when={error()}>
          <ErrorNotice error={error()} />
        </Show>
      </td>
    </tr>
  );
}

export default function Connectors() {
  const [tokens, { mutate, refetch }] = createResource(api.connectors.list);
  const [created, setCreated] = createSignal<CreatedConnectorToken | null>(null);
  const [createError, setCreateError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);
  const active = () => (tokens() ?? []).filter((t) => !t.revoked_at);

  const onCreate = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const name = String(new FormData(form).get("name") ?? "").trim();
    setBusy(true);
    setCreateError(null);
    try {
      const c = await api.connectors.create(name);
      setCreated(c);
      // The list never keeps the secret.
      const listed: ConnectorToken = {
        id: c.id,
        name: c.name,
        prefix: c.prefix,
        created_at: c.created_at,
        last_used_at: null,
        revoked_at: null,
      };
      mutate((prev) => [listed, ...(prev ?? []).filter((t) => t.id !== c.id)]);
      form.reset();
    } catch (err) {
      setCreateError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <div class="page-head">
        <h1>Connectors</h1>
      </div>
      <p class="lead">
        A connector runs next to MetaTrader 5 on your Windows host and trades for your bots. Each one signs in with its
        own token, which you can revoke at any time.
      </p>

      <Show when={created()}>{(c) => <NewToken created={c()} onDone={() => setCreated(null)} />}</Show>

      <section class="card" aria-labelledby="create-title">
        <h2 id="create-title">New connector token</h2>
        <form class="inline-form" onSubmit={onCreate}>
          <div class="field">
            <label for="connector-name">Name</label>
            <input
              id="connector-name"
              name="name"
              required
              maxlength={64}
              placeholder="e.g. VPS London MT5"
              autocomplete="off"
            />
          </div>
          <button type="submit" class="btn btn-primary" disabled={busy()}>
            {busy() ? "Creating…" : "Create token"}
          </button>
        </form>
        <Show when={createError()}>
          <ErrorNotice error={createError()} />
        </Show>
      </section>

      <section class="card" aria-labelledby="list-title">
        <h2 id="list-title">Your connectors</h2>
        <ResourceSwitch of={tokens} errorTitle="Could not load connectors." onRetry={refetch}>
          <Match when={active().length === 0}>
            <EmptyState title="No connectors yet" icon="⌁">
              <p>Create a token above, then start the connector on your Windows host with it.</p>
            </EmptyState>
          </Match>
          <Match when={active().length > 0}>
            <DataTable
              testid="connector-table"
              columns={["Name", "Token", "Created", "Last used", { label: "Actions", srOnly: true }]}
              each={active()}
            >
              {(t) => <Row token={t} onRevoked={(id) => mutate((prev) => (prev ?? []).filter((x) => x.id !== id))} />}
            </DataTable>
          </Match>
        </ResourceSwitch>
      </section>
    </>
  );
}
