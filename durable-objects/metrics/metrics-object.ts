// The singleton METRICS object: durable totals of every isolate's metric deltas (see
// platform/metrics.ts). Writes are batched by the senders, so one small transaction per batch.
import { DurableObject } from "cloudflare:workers";
import { type MetricsBatch, MetricsBatchSchema, type MetricsRpc } from "../../platform/metrics";
import { type CounterRow, type GaugeRow, renderExposition } from "./exposition";

/** Cardinality guard: labels are code-chosen, but a bug must not grow storage without bound. */
export const MAX_SERIES = 10_000;

export class MetricsObject extends DurableObject implements MetricsRpc {
  private ready = false;

  private schema(): void {
    if (this.ready) return;
    this.ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL);
       CREATE TABLE IF NOT EXISTS gauges (name TEXT NOT NULL, member TEXT NOT NULL, value REAL NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (name, member));`,
    );
    this.ready = true;
  }

  /** Adds one batch of deltas. Returns how many series were dropped by the cardinality guard. */
  ingest(batch: MetricsBatch): { dropped: number } {
    const parsed = MetricsBatchSchema.parse(batch);
    this.schema();
    const sql = this.ctx.storage.sql;
    let dropped = 0;
    this.ctx.storage.transactionSync(() => {
      let series = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM counters").one().n;
      for (const c of parsed.counters) {
        const labels = JSON.stringify(c.labels);
        const key = `${c.name}${labels}`;
        const exists = sql.exec("SELECT 1 FROM counters WHERE key = ?", key).toArray().length > 0;
        if (!exists && series >= MAX_SERIES) {
          dropped++;
          continue;
        }
        if (!exists) series++;
        sql.exec(
          "INSERT INTO counters (key, name, labels, value) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
          key,
          c.name,
          labels,
          c.delta,
        );
      }
      const now = Date.now();
      for (const g of parsed.gauges) {
        sql.exec(
          "INSERT INTO gauges (name, member, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(name, member) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
          g.name,
          g.member,
          g.value,
          now,
        );
      }
    });
    return { dropped };
  }

  /** Prometheus text of the durable totals. */
  exposition(): string {
    this.schema();
    const sql = this.ctx.storage.sql;
    const counters: CounterRow[] = sql
      .exec<{ name: string; labels: string; value: number }>("SELECT name, labels, value FROM counters")
      .toArray()
      .map((r) => ({ name: r.name, labels: JSON.parse(r.labels) as Record<string, string>, value: r.value }));
    const gauges: GaugeRow[] = sql.exec<{ name: string; value: number }>("SELECT name, value FROM gauges").toArray();
    return renderExposition(counters, gauges);
  }
}
