/**
 * Work over a list with at most `limit` items in flight at once: how both batch functions keep
 * a bounded number of rows waiting for a budget slot or for respond.io. Items start in index
 * order; the pool ends when every item has ended. Pure: the work is the caller's.
 */

export async function runBounded(
  count: number,
  limit: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), count) }, worker));
}
