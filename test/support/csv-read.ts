// An RFC 4180 reader for the export tests, written apart from core/export/csv.ts so the writer is
// checked against an independent reading: quoted fields, doubled quotes, CRLF line ends.
export function readCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      (row = []), (field = ""), i++;
    } else field += ch;
  }
  if (field || row.length) throw new Error("CSV does not end with CRLF");
  const [header, ...body] = rows;
  if (!header) throw new Error("no header line");
  return body.map((cells) => {
    if (cells.length !== header.length) throw new Error(`row of ${cells.length} cells, header has ${header.length}`);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] as string]));
  });
}

/** A JSON value as the export writes it (null → empty, objects as JSON, text as-is unless guarded). */
export const asCsvText = (v: unknown): string =>
  v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
