import type { JSX } from "solid-js";

/** The placeholder a page shows when it has nothing yet: what will appear here and how to get it. */
export default function EmptyState(props: { title: string; children: JSX.Element; icon?: string }) {
  return (
    <section class="empty" aria-label={props.title}>
      <div class="empty-icon" aria-hidden="true">
        {props.icon ?? "◇"}
      </div>
      <h2>{props.title}</h2>
      <div class="empty-body">{props.children}</div>
    </section>
  );
}
