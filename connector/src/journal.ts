import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { PositionsUpdateSchema, TradeErrorFrameSchema, TradeResultSchema } from "../../core/protocol/connector";
import { type Instruction, InstructionSchema } from "./instructions";

/**
 * The connector's on-disk memory, append-only JSON lines, made durable (fdatasync) before anything
 * depending on it leaves the process — one write and one sync per step:
 *   cmd  a command was accepted (written BEFORE it goes to the broker)
 *   res  its final result (also an outbox entry until ACKed)
 *   out  another frame waiting for an ACK (TRADE_ERROR, POSITIONS_UPDATE)
 *   ack  ids the object acknowledged (or a POSITIONS_UPDATE superseded by a newer one); written
 *        without a sync of its own: nothing leaves the process because of it, and losing it in a
 *        crash only re-sends frames the object already has (it dedups by id). The next synced
 *        append or compaction makes it durable too.
 * A command id with a `cmd` but no `res` is "in doubt" after a crash: the executor checks the
 * broker by client id before doing anything. Compaction rewrites the file (tmp + fsync + rename)
 * keeping in-doubt commands, unacked frames and results still inside the retention window.
 */
const OutboxFrameSchema = z.discriminatedUnion("type", [
  TradeResultSchema,
  TradeErrorFrameSchema,
  PositionsUpdateSchema,
]);
export type OutboxFrame = z.infer<typeof OutboxFrameSchema>;
type ResultFrame = z.infer<typeof TradeResultSchema>;

const RecordSchema = z.discriminatedUnion("k", [
  z.object({ k: z.literal("cmd"), at: z.number(), instruction: InstructionSchema }),
  z.object({ k: z.literal("res"), frame: TradeResultSchema }),
  z.object({ k: z.literal("out"), frame: OutboxFrameSchema }),
  z.object({ k: z.literal("ack"), ids: z.array(z.string()) }),
]);
type JournalRecord = z.infer<typeof RecordSchema>;

export interface CommandEntry {
  instruction: Instruction;
  receivedAt: number;
  result?: ResultFrame;
}

export interface JournalOptions {
  dir: string;
  /** Compact after this many appended records. */
  compactEvery?: number;
  /** Answered, ACKed commands are forgotten this long after their expiry (a repeat after that is refused as expired). */
  retentionMs?: number;
  now?: () => number;
}

export class Journal {
  readonly path: string;
  private fd: number;
  private commands = new Map<string, CommandEntry>();
  private outbox = new Map<string, OutboxFrame>();
  private appended = 0;
  /** Torn or unreadable lines skipped at load (a crash mid-write leaves at most one). */
  readonly skippedLines: number;

  constructor(private readonly opts: JournalOptions) {
    mkdirSync(opts.dir, { recursive: true });
    this.path = join(opts.dir, "journal.jsonl");
    this.skippedLines = existsSync(this.path) ? this.load() : 0;
    this.fd = openSync(this.path, "a");
  }

  private load(): number {
    let skipped = 0;
    for (const line of readFileSync(this.path, "utf8").split("\n")) {
      if (!line.trim()) continue;
      let rec: JournalRecord;
      try {
        rec = RecordSchema.parse(JSON.parse(line));
      } catch {
        skipped++;
        continue;
      }
      this.apply(rec);
    }
    return skipped;
  }

  private apply(rec: JournalRecord): void {
    switch (rec.k) {
      case "cmd":
        if (!this.commands.has(rec.instruction.command_id)) {
          this.commands.set(rec.instruction.command_id, { instruction: rec.instruction, receivedAt: rec.at });
        }
        break;
      case "res": {
        const entry = this.commands.get(rec.frame.command_id);
        if (entry) entry.result = rec.frame;
        this.outbox.set(rec.frame.id, rec.frame);
        break;
      }
      case "out":
        this.outbox.set(rec.frame.id, rec.frame);
        break;
      case "ack":
        for (const id of rec.ids) this.outbox.delete(id);
        break;
    }
  }

  /** One step: every record in one write, then one fdatasync (unless `sync` is false: acks only). */
  private append(recs: readonly JournalRecord[], sync = true): void {
    if (recs.length === 0) return;
    const text =
      recs.length === 1 ? JSON.stringify(recs[0]) + "\n" : recs.map((r) => JSON.stringify(r) + "\n").join("");
    writeAll(this.fd, text);
    if (sync) fdatasyncSync(this.fd);
    for (const rec of recs) this.apply(rec);
    this.appended += recs.length;
    if (this.appended >= (this.opts.compactEvery ?? 5000)) this.compact();
  }

  command(commandId: string): CommandEntry | undefined {
    return this.commands.get(commandId);
  }

  /** Commands written before a crash that never got a result. */
  inDoubt(): CommandEntry[] {
    return [...this.commands.values()].filter((c) => !c.result);
  }

  /** Other commands (by command id) that used this client order id. */
  commandsForClientId(clientOrderId: string): CommandEntry[] {
    return [...this.commands.values()].filter((c) => c.instruction.client_order_id === clientOrderId);
  }

  /** Every client id we know, for naming positions by their magic. */
  clientIds(): Iterable<string> {
    return new Set([...this.commands.values()].map((c) => c.instruction.client_order_id));
  }

  recordCommand(instruction: Instruction): void {
    this.append([{ k: "cmd", at: (this.opts.now ?? Date.now)(), instruction }]);
  }

  /** The command's result, and (failures) the TRADE_ERROR that goes with it, in one step. */
  recordResult(frame: ResultFrame, error?: Exclude<OutboxFrame, ResultFrame>): void {
    this.append(
      error
        ? [
            { k: "res", frame },
            { k: "out", frame: error },
          ]
        : [{ k: "res", frame }],
    );
  }

  /** Queue a frame until ACKed. A new POSITIONS_UPDATE supersedes unacked older ones (same step). */
  enqueue(frame: Exclude<OutboxFrame, ResultFrame>): void {
    const recs: JournalRecord[] = [];
    if (frame.type === "POSITIONS_UPDATE") {
      const stale = [...this.outbox.values()].filter((f) => f.type === "POSITIONS_UPDATE").map((f) => f.id);
      if (stale.length) recs.push({ k: "ack", ids: stale });
    }
    recs.push({ k: "out", frame });
    this.append(recs);
  }

  /** Re-queue a result the object asked for again after having ACKed it. */
  requeue(frame: ResultFrame): void {
    if (!this.outbox.has(frame.id)) this.append([{ k: "res", frame }]);
  }

  ack(ids: readonly string[]): number {
    const known = ids.filter((id) => this.outbox.has(id));
    if (known.length) this.append([{ k: "ack", ids: known }], false);
    return known.length;
  }

  /** Frames not yet ACKed, oldest first. */
  unacked(): OutboxFrame[] {
    return [...this.outbox.values()];
  }

  /** Rewrite the file with only what still matters. */
  compact(): void {
    const now = (this.opts.now ?? Date.now)();
    const retention = this.opts.retentionMs ?? 7 * 24 * 3600_000;
    const keep: JournalRecord[] = [];
    for (const [id, c] of this.commands) {
      const unacked = c.result !== undefined && this.outbox.has(c.result.id);
      if (c.result && !unacked && c.instruction.expires_at + retention < now) {
        this.commands.delete(id);
        continue;
      }
      keep.push({ k: "cmd", at: c.receivedAt, instruction: c.instruction });
      if (c.result) keep.push({ k: "res", frame: c.result });
    }
    // ACKed results stay known (above) but must not be re-sent: mark them acked again.
    const ackedResults = [...this.commands.values()].flatMap((c) =>
      c.result && !this.outbox.has(c.result.id) ? [c.result.id] : [],
    );
    if (ackedResults.length) keep.push({ k: "ack", ids: ackedResults });
    for (const f of this.outbox.values()) if (f.type !== "TRADE_RESULT") keep.push({ k: "out", frame: f });

    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    writeAll(fd, keep.map((r) => JSON.stringify(r) + "\n").join(""));
    fsyncSync(fd);
    closeSync(fd);
    closeSync(this.fd);
    renameSync(tmp, this.path);
    fsyncDir(this.opts.dir);
    this.fd = openSync(this.path, "a");
    this.appended = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** writeSync may write less than asked (rare on regular files): finish the line(s). */
function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, "utf8");
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}

/** Make a rename durable; not supported on Windows (where NTFS journals the rename itself). */
function fsyncDir(dir: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
