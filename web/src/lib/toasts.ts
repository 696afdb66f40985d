import { createSignal } from "solid-js";

export type ToastKind = "ok" | "bad" | "warn" | "info";
export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  body?: string;
}

const [toasts, setToasts] = createSignal<Toast[]>([]);
let next = 1;
/** Errors stay until dismissed; the rest go after a while (long enough to read, see WCAG 2.2.1). */
const LIFETIME_MS = 12_000;
const MAX = 5;

export { toasts };

export function toast(kind: ToastKind, title: string, body?: string): number {
  const id = next++;
  setToasts((list) => [...list, { id, kind, title, body }].slice(-MAX));
  if (kind !== "bad") setTimeout(() => dismiss(id), LIFETIME_MS);
  return id;
}

export function dismiss(id: number): void {
  setToasts((list) => list.filter((t) => t.id !== id));
}
