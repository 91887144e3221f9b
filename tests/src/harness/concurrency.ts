/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export const mapConcurrent = async <T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array<R>(items.length);
  // One iterator shared by every lane: each next() hands out the next item exactly once.
  const work = items.entries();
  const lane = async () => {
    for (const [index, item] of work) results[index] = await fn(item, index);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
};
