import type { Context } from "hono";
import { csvLine, csvRecord } from "../../core/export/csv";

/** `?format=csv` decides; without it, an Accept header naming text/csv before (or without) JSON. */
export function wantsCsv(c: Context, format: "json" | "csv" | undefined): boolean {
  if (format) return format === "csv";
  const accept = (c.req.header("Accept") ?? "").toLowerCase();
  const csv = accept.indexOf("text/csv");
  const json = accept.indexOf("application/json");
  return csv >= 0 && (json < 0 || csv < json);
}

/**
 * Streams a CSV download: the header line, then each page of records as it is read, so an export
 * of many rows never sits whole in the isolate's memory.
 */
export function csvDownload(
  filename: string,
  columns: readonly string[],
  pages: AsyncIterable<readonly Record<string, unknown>[]>,
): Response {
  const encoder = new TextEncoder();
  const iterator = pages[Symbol.asyncIterator]();
  let headerSent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvLine(columns)));
        return;
      }
      const { done, value } = await iterator.next();
      if (done) return controller.close();
      controller.enqueue(encoder.encode(value.map((r) => csvRecord(columns, r)).join("")));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "private, no-store",
    },
  });
}
