/** Calls in flight at once when a closed bar goes out to many user objects. */
export const FANOUT_WINDOW = 64;

/**
 * Calls `send` for every subscriber with at most `window` calls in flight (a sliding window, no batch
 * barrier). A failing subscriber is counted and skipped: one broken object never holds up the others.
 */
export async function fanOut(
  ids: readonly string[],
  send: (id: string) => Promise<unknown>,
  window = FANOUT_WINDOW,
): Promise<{ sent: number; errors: number }> {
  let next = 0;
  let sent = 0;
  let errors = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        await send(id);
        sent++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, ids.length) }, worker));
  return { sent, errors };
}
