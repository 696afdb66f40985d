import { For, type JSX } from "solid-js";

/** A header cell: its text, right-aligned for numbers (`num`), or read to screen readers only (`srOnly`). */
export type Column = string | { label: string; num?: boolean; srOnly?: boolean };

/** The pages' list table: scrolling wrapper (a card with `card`), header row from `columns`, one row per item. */
export default function DataTable<T>(props: {
  columns: readonly Column[];
  each: readonly T[] | undefined;
  testid: string;
  card?: boolean;
  children: (item: T) => JSX.Element;
}) {
  return (
    <div class={props.card ? "table-wrap card" : "table-wrap"}>
      <table class="table" data-testid={props.testid}>
        <thead>
          <tr>
            <For each={props.columns}>
              {(c) =>
                typeof c === "string" ? (
                  <th scope="col">{c}</th>
                ) : (
                  <th scope="col" class={c.num ? "num" : undefined}>
                    {c.srOnly ? <span class="sr-only">{c.label}</span> : c.label}
                  </th>
                )
              }
            </For>
          </tr>
        </thead>
        <tbody>
          <For each={props.each}>{(item) => props.children(item)}</For>
        </tbody>
      </table>
    </div>
  );
}
