import { accountWords, judgePassword, MIN_PASSWORD_LENGTH, MIN_PASSWORD_SCORE } from "@core/accounts/password-strength";
import { createResource, Show } from "solid-js";

const LABELS = ["Very weak", "Weak", "Fair", "Strong", "Very strong"] as const;

/**
 * Live hint under a new-password field: the same check the server makes (length, common and
 * breached passwords, words from the email), so what it calls strong enough is accepted.
 */
export default function PasswordStrength(props: { id: string; password: string; email: string }) {
  const [verdict] = createResource(
    () => (props.password ? { password: props.password, email: props.email } : false),
    ({ password, email }) => judgePassword(password, accountWords(email)),
  );
  return (
    <div id={props.id} class="hint password-strength" aria-live="polite" data-testid="password-strength">
      <Show
        when={props.password ? verdict() : undefined}
        fallback={<p>At least {MIN_PASSWORD_LENGTH} characters; a few unrelated words work well.</p>}
      >
        {(v) => (
          <>
            <meter
              min={0}
              max={4}
              low={MIN_PASSWORD_SCORE - 0.5}
              high={MIN_PASSWORD_SCORE}
              optimum={4}
              value={v().score}
              aria-label="Password strength"
            />
            <p>
              <strong data-testid="password-strength-label">{LABELS[v().score] ?? ""}</strong>
              {v().ok ? " — good to go." : ` — ${v().warning ?? "too easy to guess"}`}
            </p>
            <Show when={!v().ok && v().suggestions.length}>
              <p class="small">{v().suggestions.join(" ")}</p>
            </Show>
          </>
        )}
      </Show>
    </div>
  );
}
