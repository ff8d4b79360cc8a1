// Bounded fan-out: the operator verbs and the scheduled checks work through many accounts a few at a time, so 1,000
// accounts neither run one after another nor open 1,000 connections at once.

/**
 * Runs `work` on every item, at most `limit` at a time, and returns the results in the items' order. `inOrder` is
 * called with each result as soon as it and every result before it are in (a report printed account by account).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
  inOrder?: (result: R, index: number) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const done = new Array<boolean>(items.length).fill(false);
  let next = 0;
  let emitted = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      results[i] = await work(items[i] as T, i);
      done[i] = true;
      while (emitted < items.length && done[emitted] === true) {
        inOrder?.(results[emitted] as R, emitted);
        emitted += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
