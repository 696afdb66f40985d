/**
 * How a client order id travels to MT5: the comment holds it (MT5 keeps 31 characters) and the
 * magic number holds a hash of the whole id, so an order can be found again even when the
 * comment was cut. Magic numbers land in [2^30, 2^31): clear of the small magics other EAs use
 * and of 0, which MT5 gives to positions opened by hand.
 */
export const MT5_COMMENT_MAX = 31;

/** FNV-1a 32-bit over UTF-16 code units (ids are ASCII by schema). */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function magicFor(clientOrderId: string): number {
  return 0x40000000 + (fnv1a32(clientOrderId) % 0x40000000);
}

export function commentFor(clientOrderId: string): string {
  return clientOrderId.slice(0, MT5_COMMENT_MAX);
}

/**
 * Does an order/deal/position with this magic and comment belong to this client id? The magic
 * must match; the comment must be empty (some brokers clear it), equal, or a prefix either way
 * (brokers cut comments or append tags such as "[sl]").
 */
export function matchesClientId(magic: number, comment: string, clientOrderId: string): boolean {
  if (magic !== magicFor(clientOrderId)) return false;
  const ours = commentFor(clientOrderId);
  return comment === "" || comment === ours || ours.startsWith(comment) || comment.startsWith(ours);
}
