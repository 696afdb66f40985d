import { createSignal } from "solid-js";
import type { AuthSession, User } from "./contracts";

/** What the dashboard keeps about the user: enough for the header. */
export type SessionUser = Pick<User, "id" | "email">;

/**
 * Where tokens live (see docs/DASHBOARD.md and docs/SECURITY.md):
 * - access token: memory only. It is short-lived (15 min) and never written to storage.
 * - refresh token: an HttpOnly, SameSite=Strict cookie scoped to /api/v1/auth. Page script can
 *   neither read nor send it anywhere else; a reload exchanges it for a new access token.
 * - the user's id/email: localStorage, only to draw the header at once and to tell other tabs that
 *   this one signed out. It is no credential: without the cookie it opens nothing.
 */
const USER_KEY = "edgetrader.user";

let accessToken: string | null = null;
let accessExpiresAt = 0;

function readUser(): SessionUser | null {
  try {
    const raw = localStorage.getItem(USER_KEY);
    if (!raw) return null;
    const v: unknown = JSON.parse(raw);
    if (
      typeof v === "object" &&
      v !== null &&
      typeof (v as SessionUser).id === "string" &&
      typeof (v as SessionUser).email === "string"
    ) {
      return { id: (v as SessionUser).id, email: (v as SessionUser).email };
    }
  } catch {
    /* corrupt entry: treat as signed out */
  }
  return null;
}

const [user, setUser] = createSignal<SessionUser | null>(readUser());

/** The signed-in user (reactive); null when signed out. */
export { user };

/** Signed in on this browser as far as we know (the refresh cookie itself is invisible to us). */
export function hasSession(): boolean {
  return user() !== null;
}

/** A usable access token, or null when missing or within 30 s of expiry. */
export function currentAccessToken(): string | null {
  return accessToken && Date.now() < accessExpiresAt - 30_000 ? accessToken : null;
}

export function storeTokens(tokens: Pick<AuthSession, "access_token" | "expires_in">, who?: SessionUser): void {
  accessToken = tokens.access_token;
  accessExpiresAt = Date.now() + tokens.expires_in * 1000;
  if (who) {
    localStorage.setItem(USER_KEY, JSON.stringify({ id: who.id, email: who.email }));
    setUser({ id: who.id, email: who.email });
  }
}

export function clearSession(): void {
  accessToken = null;
  accessExpiresAt = 0;
  localStorage.removeItem(USER_KEY);
  setUser(null);
}

// Another tab signed out (or in as someone else): follow it.
if (typeof window !== "undefined") {
  window.addEventListener("storage", (e) => {
    if (e.key !== USER_KEY) return;
    accessToken = null;
    accessExpiresAt = 0;
    setUser(readUser());
  });
}
