import { createMemo, Show } from "solid-js";
import type { DailyRow } from "~/lib/contracts";
import { fmtPnl } from "~/lib/format";

const W = 600;
const H = 160;
const PAD = 6;

/**
 * Cumulative realized P&L per day as a small SVG line (hand-written: a few points don't need the
 * chart library on the Overview). The zero line is drawn when the curve crosses it.
 */
export default function EquityCurve(props: { days: DailyRow[] }) {
  const geo = createMemo(() => {
    // Start from zero the day before the first row, so one day still draws a line.
    const values = [0, ...props.days.map((d) => d.equity)];
    const min = Math.min(...values);
    const max = Math.max(...values);
    const span = max - min || 1;
    const x = (i: number) => PAD + (i * (W - 2 * PAD)) / Math.max(1, values.length - 1);
    const y = (v: number) => PAD + (1 - (v - min) / span) * (H - 2 * PAD);
    const line = values.map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const area = `${line} L${x(values.length - 1).toFixed(1)},${H - PAD} L${PAD},${H - PAD} Z`;
    const last = values.at(-1) ?? 0;
    return { line, area, zero: min < 0 && max > 0 ? y(0) : null, last, min, max, up: last >= 0 };
  });
  const summary = () =>
    `Cumulative realized P&L over ${props.days.length} day${props.days.length === 1 ? "" : "s"}: now ${fmtPnl(geo().last)}, low ${fmtPnl(geo().min)}, high ${fmtPnl(geo().max)}.`;
  return (
    <figure class="equity" data-testid="equity-curve">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary()}>
        <path d={geo().area} class={geo().up ? "eq-area up" : "eq-area down"} />
        <Show when={geo().zero !== null}>
          <line x1={PAD} x2={W - PAD} y1={geo().zero!} y2={geo().zero!} class="eq-zero" />
        </Show>
        <path d={geo().line} class={geo().up ? "eq-line up" : "eq-line down"} vector-effect="non-scaling-stroke" />
      </svg>
      <figcaption class="muted small">
        {props.days[0]?.day} → {props.days.at(-1)?.day} · now {fmtPnl(geo().last)}
      </figcaption>
    </figure>
  );
}
