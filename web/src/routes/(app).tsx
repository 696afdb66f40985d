import { A, type RouteSectionProps, useLocation, useNavigate } from "@solidjs/router";
import { createEffect, For, onCleanup, onMount, Show } from "solid-js";
import ConnectionBadge from "~/components/ConnectionBadge";
import Toasts from "~/components/Toasts";
import { api } from "~/lib/api";
import { live } from "~/lib/live";
import { startNotifications } from "~/lib/notifications";
import { startPortfolioFeed } from "~/lib/portfolio";
import { user } from "~/lib/session";

const NAV = [
  { href: "/", label: "Overview", icon: "▦" },
  { href: "/bots", label: "Bots", icon: "⚙" },
  { href: "/positions", label: "Positions", icon: "◧" },
  { href: "/trades", label: "Trades", icon: "⇄" },
  { href: "/activity", label: "Activity", icon: "≋" },
  { href: "/connectors", label: "Connectors", icon: "⌁" },
  { href: "/account", label: "Account", icon: "◉" },
] as const;

/** Signed-in shell: header (brand, live state, account), navigation, main landmark; owns the socket. */
export default function AppShell(props: RouteSectionProps) {
  const navigate = useNavigate();
  const location = useLocation();

  // Signed out (here, in another tab, or after a failed refresh): go to sign-in, come back after.
  createEffect(() => {
    if (!user()) navigate(`/signin?next=${encodeURIComponent(location.pathname)}`, { replace: true });
  });
  // Subscribed before the socket opens, so replayed events reach the toasts and the live stores.
  startNotifications();
  startPortfolioFeed();
  onMount(() => {
    if (user()) live.start();
  });
  onCleanup(() => live.stop("signed out"));

  // The router would treat "#main" as a navigation; move focus to the main landmark ourselves.
  const skipToMain = (e: MouseEvent) => {
    e.preventDefault();
    document.getElementById("main")?.focus();
  };

  const signOut = async () => {
    live.stop("signed out");
    await api.logout().catch(() => undefined); // local session is cleared either way
    navigate("/signin", { replace: true });
  };

  return (
    <Show when={user()}>
      <a class="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <div class="shell">
        <header class="topbar">
          <A href="/" class="brand" aria-label="edgetrader overview">
            <span class="brand-mark" aria-hidden="true">
              ◆
            </span>{" "}
            edgetrader
          </A>
          <div class="topbar-right">
            <ConnectionBadge state={live.state()} />
            <span class="user-email" title={user()?.email}>
              {user()?.email}
            </span>
            <button type="button" class="btn btn-ghost" onClick={signOut}>
              Sign out
            </button>
          </div>
        </header>
        <nav class="sidenav" aria-label="Main">
          <ul>
            <For each={NAV}>
              {(item) => (
                <li>
                  <A href={item.href} end={item.href === "/"} activeClass="active">
                    <span class="nav-icon" aria-hidden="true">
                      {item.icon}
                    </span>
                    {item.label}
                  </A>
                </li>
              )}
            </For>
          </ul>
        </nav>
        <main id="main" class="content" tabindex="-1">
          {props.children}
        </main>
        <Toasts />
      </div>
    </Show>
  );
}
