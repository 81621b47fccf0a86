// Maps a list with a bounded number of calls in flight: reading thousands of run directories
// at once would exhaust file descriptors, one at a time would be slow on a network file system.

/** Maps `items` with at most `concurrency` calls in flight; results keep the input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
