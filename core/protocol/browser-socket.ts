import { z } from "zod";

/** Frames a browser may send on `/ws`. */
export const BrowserPingSchema = z.object({ type: z.literal("ping"), id: z.string().max(64).optional() });
/** "I have applied every event up to `seq`": the log keeps what a connected browser has not acked. */
export const BrowserAckSchema = z.object({ type: z.literal("ack"), seq: z.number().int().nonnegative() });
export const BrowserClientFrameSchema = z.discriminatedUnion("type", [BrowserPingSchema, BrowserAckSchema]);
export type BrowserClientFrame = z.infer<typeof BrowserClientFrameSchema>;

/** Frames the object sends to a browser. */
export const BrowserPongSchema = z.object({
  type: z.literal("pong"),
  id: z.string().optional(),
  /** When the socket was accepted: read back from its attachment, so it survives hibernation. */
  connectedAt: z.number(),
  serverTime: z.number(),
  /** Random per object instance: changes after the object hibernates and wakes again. */
  instance: z.string(),
});
export const BrowserWelcomeSchema = z.object({
  type: z.literal("welcome"),
  connectedAt: z.number(),
  serverTime: z.number(),
});
export const SocketErrorFrameSchema = z.object({
  type: z.literal("error"),
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
export type BrowserPong = z.infer<typeof BrowserPongSchema>;
export type BrowserWelcome = z.infer<typeof BrowserWelcomeSchema>;
export type SocketErrorFrame = z.infer<typeof SocketErrorFrameSchema>;

/** Per-socket state kept in the hibernation attachment (16 KiB max). */
export const BrowserAttachmentSchema = z.object({
  kind: z.literal("browser"),
  userId: z.string(),
  connectedAt: z.number(),
  /** Highest seq the browser acked (or the log's latest when it connected without `since`). */
  ackedSeq: z.number().int().nonnegative().optional(),
});
export type BrowserAttachment = z.infer<typeof BrowserAttachmentSchema>;

/** Largest frame a client may send; larger frames get an error frame and are ignored. */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024;
