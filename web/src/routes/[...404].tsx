import { A } from "@solidjs/router";

export default function NotFound() {
  return (
    <main id="main" class="auth-page">
      <div class="auth-card">
        <h1>Page not found</h1>
        <p>There is nothing at this address.</p>
        <A href="/" class="btn btn-primary">
          Go to the overview
        </A>
      </div>
    </main>
  );
}
