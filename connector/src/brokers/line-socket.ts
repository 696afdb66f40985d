import type { Socket } from "node:net";

/**
 * JSON-lines framing over a TCP socket: calls onLine for each complete line (bytes split at \n
 * before decoding, so a UTF-8 character cut across reads stays whole).
 */
export function readLines(
  socket: Socket,
  onLine: (line: string) => void,
  maxLine: number,
  onOverflow: () => void,
): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  socket.on("data", (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl);
      const line = pending.length ? Buffer.concat([...pending, part]).toString("utf8") : part.toString("utf8");
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
      const trimmed = line.trim();
      if (trimmed) onLine(trimmed);
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLine) {
        pending = [];
        pendingBytes = 0;
        onOverflow();
      }
    }
  });
}

export function writeLine(socket: Socket, value: unknown): boolean {
  if (socket.destroyed || !socket.writable) return false;
  socket.write(JSON.stringify(value) + "\n");
  return true;
}
