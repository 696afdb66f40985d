import { createSignal } from "solid-js";
import type { AuthSession, User } from "./contracts";

/** What the dashboard keeps about the user: enough for the header. */
export type SessionUser = Pick<User, "id" | "email">;

/**
 * Where tokens live (see docs/DASHBOARD.md):
 * - access token: memory only. It is short-lived (15 min) and never written to storage.
 * - refresh token + the user's id/email: localStorage, so a reload or a second tab stays signed in.
 *   An XSS could read it; we ship no third-party scripts, the server rotates refresh tokens and
 *   revokes the whole family on reuse, and sign-out revokes it server-side. An HttpOnly cookie would
 *   hide it from scripts but needs cookie + CSRF handling the token-in-body API does not have.
 */
const REFRESH_KEY = "edgetrader.refresh_token";
const USER_KEY = "edgetrader.user";

let accessToken: string | null = null;
let accessExpiresAt = 0;

function readUser(): SessionUser | null {
  try {
    const raw = localStorage.getItem(USER_KEY);
    if (!raw) return null;
    const v: unknown = JSON.parse(raw);
    if (typeof v === "object" && v !== null && typeof (v as SessionUser).id === "string" && typeof (v as SessionUser).email === "string") {
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

export function refreshToken(): string | null {
  return localStorage.getItem(REFRESH_KEY);
}

export function hasSession(): boolean {
  return refreshToken() !== null;
}

/** A usable access token, or null when missing or within 30 s of expiry. */
export function currentAccessToken(): string | null {
  return accessToken && Date.now() < accessExpiresAt - 30_000 ? accessToken : null;
}

export function storeTokens(tokens: Pick<AuthSession, "access_token" | "refresh_token" | "expires_in">, who?: SessionUser): void {
  accessToken = tokens.access_token;
  accessExpiresAt = Date.now() + tokens.expires_in * 1000;
  localStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  if (who) {
    localStorage.setItem(USER_KEY, JSON.stringify({ id: who.id, email: who.email }));
    setUser({ id: who.id, email: who.email });
  }
}

export function clearSession(): void {
  accessToken = null;
  accessExpiresAt = 0;
  localStorage.removeItem(REFRESH_KEY);
  localStorage.removeItem(USER_KEY);
  setUser(null);
}

// Another tab signed out (or in): follow it.
if (typeof window !== "undefined") {
  window.addEventListener("storage", (e) => {
    if (e.key === REFRESH_KEY && e.newValue === null) {
      accessToken = null;
      setUser(null);
    }
    if (e.key === USER_KEY) setUser(readUser());
  });
}
