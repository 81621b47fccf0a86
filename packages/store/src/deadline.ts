// A promise raced against a clock: what one slow thing (a run directory on a hung network file
// system) may cost a caller that has other things to do.

/**
 * Resolves or rejects as `promise` does, or rejects with `late()` once `ms` have passed,
 * whichever comes first. The promise goes on in the background when it loses; its outcome is
 * then no one's. The clock does not keep the process alive.
 */
export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  late: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const clock = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
    timer.unref();
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, clock]);
  } finally {
    clearTimeout(timer);
  }
}
