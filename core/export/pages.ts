/** Reads `fetchPage(after)` until a page comes back shorter than `size` (`after`: the last row read). */
export async function* pagesOf<T>(
  size: number,
  fetchPage: (after: T | undefined) => Promise<T[]>,
): AsyncGenerator<T[]> {
  let after: T | undefined;
  for (;;) {
    const page = await fetchPage(after);
    if (page.length) yield page;
    if (page.length < size) return;
    after = page.at(-1);
  }
}

export async function* mapPages<T, U>(pages: AsyncIterable<T[]>, f: (t: T) => U): AsyncGenerator<U[]> {
  for await (const page of pages) yield page.map(f);
}

export async function* onePage<T>(rows: T[]): AsyncGenerator<T[]> {
  yield rows;
}
