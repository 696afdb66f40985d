import { MIN_PASSWORD_LENGTH } from "@core/accounts/password-strength";
import { A, useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import type { Credentials } from "~/lib/contracts";
import ErrorNotice from "./ErrorNotice";
import PasswordStrength from "./PasswordStrength";

/** Sign-in and sign-up share one form: email + password, server errors shown inline. */
export default function AuthForm(props: { mode: "signin" | "signup"; submit: (c: Credentials) => Promise<unknown> }) {
  const navigate = useNavigate();
  const [params] = useSearchParams<{ next?: string }>();
  const [error, setError] = createSignal<unknown>(null);
  const [busy, setBusy] = createSignal(false);
  const [email, setEmail] = createSignal("");
  const [password, setPassword] = createSignal("");
  const signup = () => props.mode === "signup";

  const onSubmit = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setError(null);
    setBusy(true);
    try {
      await props.submit({ email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") });
      // Only same-app paths: never bounce to another origin from a query parameter.
      const next = params.next && params.next.startsWith("/") && !params.next.startsWith("//") ? params.next : "/";
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="auth-page">
      <div class="auth-card">
        <p class="brand brand-lg" aria-hidden="true">
          <span class="brand-mark">◆</span> edgetrader
        </p>
        <h1>{signup() ? "Create your account" : "Sign in"}</h1>
        <form onSubmit={onSubmit} novalidate={false}>
          <label for="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="email"
            required
            maxlength={254}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete={signup() ? "new-password" : "current-password"}
            required
            minlength={signup() ? MIN_PASSWORD_LENGTH : undefined}
            maxlength={256}
            aria-describedby={signup() ? "password-hint" : undefined}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <Show when={signup()}>
            <PasswordStrength id="password-hint" password={password()} email={email()} />
          </Show>
          <Show when={error()}>
            <ErrorNotice error={error()} />
          </Show>
          <button type="submit" class="btn btn-primary btn-block" disabled={busy()}>
            {busy() ? "Please wait…" : signup() ? "Create account" : "Sign in"}
          </button>
        </form>
        <p class="auth-switch">
          {signup() ? "Already have an account? " : "New here? "}
          <A
            href={`${signup() ? "/signin" : "/signup"}${params.next ? `?next=${encodeURIComponent(params.next)}` : ""}`}
          >
            {signup() ? "Sign in" : "Create an account"}
          </A>
        </p>
      </div>
    </main>
  );
}
