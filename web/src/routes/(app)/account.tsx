import { MIN_PASSWORD_LENGTH } from "@core/accounts/password-strength";
import { useNavigate } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import ErrorNotice from "~/components/ErrorNotice";
import PasswordStrength from "~/components/PasswordStrength";
import { api } from "~/lib/api";
import { live } from "~/lib/live";
import { user } from "~/lib/session";

/** Account: change the password (other sessions end) and sign out everywhere. */
export default function Account() {
  const navigate = useNavigate();
  const [next, setNext] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  const [done, setDone] = createSignal(false);
  const [confirmAll, setConfirmAll] = createSignal(false);
  const [allError, setAllError] = createSignal<unknown>(null);

  const change = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await api.changePassword({
        current_password: String(data.get("current_password") ?? ""),
        new_password: String(data.get("new_password") ?? ""),
      });
      form.reset();
      setNext("");
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const signOutEverywhere = async () => {
    setAllError(null);
    live.stop("signed out");
    try {
      await api.logoutEverywhere();
      navigate("/signin", { replace: true });
    } catch (err) {
      setAllError(err);
    }
  };

  return (
    <div class="account-page">
      <div class="page-head">
        <h1>Account</h1>
      </div>
      <p class="small">
        Signed in as <strong>{user()?.email}</strong>.
      </p>

      <section class="card" aria-labelledby="password-title">
        <h2 id="password-title">Change password</h2>
        <p class="small">Every other browser and device is signed out; this one stays signed in.</p>
        <form onSubmit={change} data-testid="change-password">
          <label for="current_password">Current password</label>
          <input
            id="current_password"
            name="current_password"
            type="password"
            autocomplete="current-password"
            required
            maxlength={256}
          />
          <label for="new_password">New password</label>
          <input
            id="new_password"
            name="new_password"
            type="password"
            autocomplete="new-password"
            required
            minlength={MIN_PASSWORD_LENGTH}
            maxlength={256}
            aria-describedby="new-password-hint"
            onInput={(e) => setNext(e.currentTarget.value)}
          />
          <PasswordStrength id="new-password-hint" password={next()} email={user()?.email ?? ""} />
          <Show when={error()}>
            <ErrorNotice error={error()} />
          </Show>
          <Show when={done()}>
            <p class="notice notice-ok" role="status">
              Password changed. Other sessions are signed out.
            </p>
          </Show>
          <button type="submit" class="btn btn-primary" disabled={busy()}>
            {busy() ? "Changing…" : "Change password"}
          </button>
        </form>
      </section>

      <section class="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Sessions</h2>
        <p class="small">Signs out every browser and device, this one too, and ends every access token at once.</p>
        <Show when={allError()}>
          <ErrorNotice error={allError()} />
        </Show>
        <Show
          when={confirmAll()}
          fallback={
            <button type="button" class="btn btn-danger-ghost" onClick={() => setConfirmAll(true)}>
              Sign out everywhere
            </button>
          }
        >
          <button type="button" class="btn btn-danger" onClick={signOutEverywhere}>
            Confirm: sign out everywhere
          </button>
          <button type="button" class="btn btn-ghost" onClick={() => setConfirmAll(false)}>
            Cancel
          </button>
        </Show>
      </section>
    </div>
  );
}
