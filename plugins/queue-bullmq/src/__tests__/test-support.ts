import type { Redis } from 'ioredis';

/** Deletes every key under `pattern` (SCAN, never FLUSHALL: the Redis may be shared). */
export const deleteKeys = async (redis: Redis, pattern: string): Promise<number> => {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
};

/** Polls queue state that no event announces, failing after a bounded time. */
export const waitFor = async (check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
