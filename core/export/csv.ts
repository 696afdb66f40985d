import type { z } from "zod";

// CSV as RFC 4180 writes it (comma, CRLF, quotes doubled, a field quoted when it holds a comma,
// quote or line break), with the OWASP guard against formula injection: a text cell that starts
// with = + - @ TAB or CR is prefixed with ' so a spreadsheet shows it instead of running it.
// Numbers are written as numbers (a negative P&L stays -12.5). Hand-written: a few lines, and the
// npm CSV writers either buffer whole files or lack the injection guard.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  let text = typeof value === "string" ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** The columns of an object schema, in its declared order: the CSV and the JSON carry the same fields. */
export function csvColumns(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}

/** One record as a CSV line in `columns` order (objects and arrays as JSON text). */
export function csvRecord(columns: readonly string[], record: Record<string, unknown>): string {
  return csvLine(columns.map((c) => record[c]));
}
