/**
 * Runs `task` over `items` with at most `concurrency` in flight. Items not started before
 * `deadline` (epoch ms) are skipped, so a load loop is bounded in time as well as in count.
 * Returns each item's outcome in order (undefined for skipped ones).
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  deadline: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<(PromiseSettledResult<R> | undefined)[]> {
  const outcomes: (PromiseSettledResult<R> | undefined)[] = new Array(items.length).fill(undefined);
  let next = 0;
  const worker = async () => {
    while (next < items.length && Date.now() < deadline) {
      const index = next++;
      try {
        outcomes[index] = { status: "fulfilled", value: await task(items[index]!, index) };
      } catch (reason) {
        outcomes[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return outcomes;
}
