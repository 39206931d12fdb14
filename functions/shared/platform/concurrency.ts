/**
 * The platform's one bounded-concurrency helper. Every fan-out over AWS calls (buckets, keys,
 * findings batches, grants) goes through it, so "how many at once" is a single, tested idea.
 */

/** Runs `work` over `items` with at most `limit` in flight; results keep the input order. A rejection rejects the whole map (after in-flight work settles is not awaited). */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Like mapWithConcurrency for side effects only. */
export async function forEachWithConcurrency<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  await mapWithConcurrency(items, limit, work);
}

/**
 * A limiter shared by independent callers (p-limit's shape): `limit(fn)` runs `fn` when fewer than
 * `max` limited calls are in flight, in FIFO order.
 */
export function createLimiter(max: number): <R>(fn: () => Promise<R>) => Promise<R> {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a positive integer, got ${max}`);
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    active -= 1;
    queue.shift()?.();
  };
  return <R>(fn: () => Promise<R>) =>
    new Promise<R>((resolve, reject) => {
      const run = () => {
        active += 1;
        fn().then(resolve, reject).finally(release);
      };
      if (active < max) run();
      else queue.push(run);
    });
}
